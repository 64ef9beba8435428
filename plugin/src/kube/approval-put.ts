import type { KubeConfig, V1CertificateSigningRequest } from '@kubernetes/client-node';
import { CSR_PATH } from './csr-objects.ts';
import { requestStatus } from './raw-api.ts';

/**
 * PUT .../certificatesigningrequests/NAME/approval over node:https (raw-api.ts): client-node's
 * generated client spent several milliseconds of CPU per call here, and on a backlog of 5,000 the
 * process's one thread, not the API server, was the limit. The CSR the API server answers with is
 * not parsed: its new state arrives through the watch (approver) or is not needed (approve-serving).
 */
export function putApproval(kc: KubeConfig, name: string, body: V1CertificateSigningRequest): Promise<void> {
  return requestStatus(kc, 'PUT', `${CSR_PATH}/${encodeURIComponent(name)}/approval`, body);
}
