import {
  CERT_MANAGER_LEASE_NAMESPACE,
  CERT_MANAGER_LEASES,
  type CertManagerComponent,
  type CertManagerFacts,
  type LeaseRead,
} from '@kubectl-certs/core';
import { ApiextensionsV1Api, CoordinationV1Api, type KubeConfig } from '@kubernetes/client-node';
import { describePermission } from '../kube/access-review.ts';
import { describeApiError, httpCode } from '../kube/api-error.ts';
import { withTimeout } from '../kube/timeout.ts';

const CRD = 'certificates.cert-manager.io';

/**
 * What core needs to judge whether cert-manager runs: its CRD and, when it is there, its
 * controller's and cainjector's leader-election Leases. Absence (404) is a fact, a 403 on a Lease
 * is the permission we lack (not "no cert-manager"); any other failure is thrown, in the server's words.
 */
export async function readCertManagerFacts(kc: KubeConfig, timeoutMs: number): Promise<CertManagerFacts> {
  const server = kc.getCurrentCluster()?.server ?? '?';
  const what = `looking for cert-manager (CustomResourceDefinition ${CRD})`;
  const crd = await withTimeout(
    kc.makeApiClient(ApiextensionsV1Api).readCustomResourceDefinition({ name: CRD }),
    timeoutMs,
    what,
  ).then(
    () => true,
    (e: unknown) => {
      if (httpCode(e) === 404) return false;
      throw describeApiError(e, what, server);
    },
  );
  if (!crd) return { crd: false };
  const api = kc.makeApiClient(CoordinationV1Api);
  const read = async (component: CertManagerComponent): Promise<LeaseRead> => {
    const name = CERT_MANAGER_LEASES[component];
    const namespace = CERT_MANAGER_LEASE_NAMESPACE;
    const reading = `reading Lease ${namespace}/${name} (whether cert-manager's ${component} runs)`;
    try {
      const spec = (await withTimeout(api.readNamespacedLease({ name, namespace }), timeoutMs, reading)).spec;
      return {
        state: 'found',
        holderIdentity: spec?.holderIdentity,
        renewTime: spec?.renewTime ? new Date(spec.renewTime).toISOString() : undefined,
        leaseDurationSeconds: spec?.leaseDurationSeconds,
      };
    } catch (e) {
      if (httpCode(e) === 404) return { state: 'absent' };
      if (httpCode(e) === 403)
        return {
          state: 'forbidden',
          permission: describePermission({
            verb: 'get',
            group: 'coordination.k8s.io',
            resource: 'leases',
            name,
            namespace,
          }),
        };
      throw describeApiError(e, reading, server);
    }
  };
  return {
    crd: true,
    leases: { controller: await read('controller'), cainjector: await read('cainjector') },
  };
}
