import type { KubeConfig, V1CertificateSigningRequest } from '@kubernetes/client-node';
import { CSR_PATH } from './csr-objects.ts';
import { requestJson } from './raw-api.ts';

/**
 * PUT .../certificatesigningrequests/NAME/approval over node:https (raw-api.ts): client-node's
 * generated client spent several milliseconds of CPU per call here, and on a backlog of 5,000 the
 * process's one thread, not the API server, was the limit.
 */
export function putApproval(
  kc: KubeConfig,
  name: string,
  body: V1CertificateSigningRequest,
): Promise<V1CertificateSigningRequest> {
  return requestJson(kc, 'PUT', `${CSR_PATH}/${encodeURIComponent(name)}/approval`, body);
}
