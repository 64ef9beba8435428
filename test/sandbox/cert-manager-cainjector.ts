import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { apiCall, apiRequest, type Credentials } from './api.ts';
import { type ControlLoop, startControlLoop } from './control-loop.ts';

/**
 * cert-manager's cainjector on the sandbox (its image cannot run here, as cert-manager-controller.ts
 * says): for every APIService annotated `cert-manager.io/inject-ca-from: <namespace>/<Certificate>`,
 * it reads that Certificate's Secret and, when the Secret is that Certificate's (its
 * `cert-manager.io/certificate-name` annotation), writes its ca.crt into spec.caBundle. The
 * annotation is spelled here as cert-manager spells it, not imported from the product: the
 * stand-in must not agree with a wrong product by construction.
 */
const INJECT_CA_FROM = 'cert-manager.io/inject-ca-from';
/**
 * It leads through the Lease cert-manager-cainjector-leader-election (controller-runtime's leader
 * election: identity <hostname>_<uuid>, the label cert-manager gives it) in the same namespace.
 */
const LEASE = {
  namespace: 'kube-system',
  name: 'cert-manager-cainjector-leader-election',
  labels: { 'app.kubernetes.io/managed-by': 'cert-manager-cainjector' },
};
const APISERVICES = '/apis/apiregistration.k8s.io/v1/apiservices';

interface ApiService {
  metadata: { name: string; annotations?: Record<string, string> };
  spec: { caBundle?: string };
}

export function startCaInjector(admin: Credentials): ControlLoop {
  const get = async <T>(path: string): Promise<T | undefined> => {
    const r = await apiRequest<T>(admin, 'GET', path);
    return r.status === 200 ? r.body : undefined;
  };
  /** The CA the Certificate's Secret holds (base64, as caBundle takes it), or undefined. */
  const caFrom = async (ref: string): Promise<string | undefined> => {
    const [namespace, name] = ref.split('/');
    if (!namespace || !name) return undefined;
    const cert = await get<{ spec: { secretName: string } }>(
      `/apis/cert-manager.io/v1/namespaces/${namespace}/certificates/${name}`,
    );
    if (!cert) return undefined;
    const secret = await get<{
      metadata: { annotations?: Record<string, string> };
      data?: Record<string, string>;
    }>(`/api/v1/namespaces/${namespace}/secrets/${cert.spec.secretName}`);
    if (secret?.metadata.annotations?.['cert-manager.io/certificate-name'] !== name) return undefined;
    return secret.data?.['ca.crt'];
  };
  return startControlLoop(
    async () => {
      const apiServices = (await apiCall<{ items: ApiService[] }>(admin, 'GET', APISERVICES)).items;
      for (const a of apiServices) {
        const ref = a.metadata.annotations?.[INJECT_CA_FROM];
        const ca = ref ? await caFrom(ref) : undefined;
        if (!ca || ca === a.spec.caBundle) continue;
        await apiCall(
          admin,
          'PATCH',
          `${APISERVICES}/${a.metadata.name}`,
          { spec: { caBundle: ca } },
          'application/merge-patch+json',
        );
      }
    },
    { lease: { admin, ...LEASE, identity: `${hostname()}_${randomUUID()}` } },
  );
}
