import {
  CA_SECRET_NAME,
  type CertificateInfo,
  type FoundCertificate,
  PREVIOUS_CA_KEY,
  parseCertificates,
  preferredAddress,
  SERVING_SECRET_ANNOTATION,
} from '@kubectl-certs/core';
import { ApiregistrationV1Api, CertificatesV1Api, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import pLimit from 'p-limit';
import pjson from '../../package.json' with { type: 'json' };
import { defaultInstallSettings } from '../approver/install-objects.ts';
import { describeApiError, parseStatus } from '../kube/api-error.ts';
import { listCsrs, toNodeFacts } from '../kube/csr-objects.ts';
import { withTimeout } from '../kube/timeout.ts';
import { readServedChain } from '../kube/tls-probe.ts';

export interface ScanSettings {
  preferredAddressTypes: string[];
  secrets: boolean;
  kubeletTimeoutMs: number;
  timeoutMs: number;
  concurrency: number;
  progress?: (done: number, total: number) => void;
}

const KUBELET_SIGNERS: Record<string, string> = {
  'kubernetes.io/kubelet-serving': 'kubelet serving (CSR)',
  'kubernetes.io/kube-apiserver-client-kubelet': 'kubelet client (CSR)',
};

/** Every certificate kubectl-certs can see from outside: nodes' kubelets, the API server, CAs, CSRs, Secrets. */
export async function scanCluster(
  kc: KubeConfig,
  s: ScanSettings,
): Promise<{ found: FoundCertificate[]; clusterCa: CertificateInfo[] }> {
  const server = kc.getCurrentCluster()?.server ?? '?';
  const core = kc.makeApiClient(CoreV1Api);
  const t = <T>(p: Promise<T>, what: string) => withTimeout(p, s.timeoutMs, what);
  const found: FoundCertificate[] = [];
  const add = (what: string, where: string, pem: string | undefined, all = false) => {
    try {
      const certs = parseCertificates(pem ?? '');
      for (const cert of all ? certs : certs.slice(0, 1)) found.push({ what, where, cert });
    } catch (e) {
      found.push({ what, where, error: (e as Error).message });
    }
  };
  try {
    const ca = await t(
      core.readNamespacedConfigMap({ name: 'kube-root-ca.crt', namespace: 'kube-system' }),
      'reading kube-root-ca.crt',
    );
    const clusterCa = parseCertificates(ca.data?.['ca.crt'] ?? '');
    add('cluster CA', 'ConfigMap kube-system/kube-root-ca.crt', ca.data?.['ca.crt'], true);

    const url = new URL(server);
    const api = await readServedChain(
      url.hostname.replace(/^\[|\]$/g, ''),
      Number(url.port || 443),
      s.kubeletTimeoutMs,
    );
    found.push(
      api.ok
        ? { what: 'API server serving', where: url.host, cert: api.chain[0] as CertificateInfo }
        : { what: 'API server serving', where: url.host, error: api.error },
    );

    const services = await t(kc.makeApiClient(ApiregistrationV1Api).listAPIService(), 'listing APIServices');
    for (const a of services.items) {
      if (a.spec?.caBundle)
        add(
          'APIService caBundle',
          a.metadata?.name ?? '?',
          Buffer.from(a.spec.caBundle, 'base64').toString('utf8'),
          true,
        );
    }

    for (const item of (await listCsrs(kc.makeApiClient(CertificatesV1Api), s.timeoutMs)).items) {
      const what = KUBELET_SIGNERS[item.request.signerName];
      const issued = item.object.status?.certificate;
      if (what && issued)
        add(
          what,
          `CSR ${item.request.name} (${item.request.username})`,
          Buffer.from(issued, 'base64').toString('utf8'),
        );
    }

    if (s.secrets) {
      const secrets = await t(
        core.listSecretForAllNamespaces({ fieldSelector: 'type=kubernetes.io/tls' }),
        'listing TLS Secrets',
      );
      for (const sec of secrets.items) {
        add(
          'TLS Secret',
          `Secret ${sec.metadata?.namespace}/${sec.metadata?.name}`,
          Buffer.from(sec.data?.['tls.crt'] ?? '', 'base64').toString('utf8'),
        );
      }
    }

    await addMetricsServerTls(core, t, add, found);

    const nodes = (await t(core.listNode(), 'listing Nodes')).items;
    const limit = pLimit(s.concurrency);
    let done = 0;
    await Promise.all(
      nodes.map((n) =>
        limit(async () => {
          const facts = toNodeFacts(n);
          const port = n.status?.daemonEndpoints?.kubeletEndpoint?.Port ?? 10250;
          const target = preferredAddress(facts.addresses, s.preferredAddressTypes);
          const where = target ? `Node ${facts.name} (${target.address}:${port})` : `Node ${facts.name}`;
          const served = target
            ? await readServedChain(target.address, port, s.kubeletTimeoutMs)
            : { ok: false as const, error: 'no address of a preferred type' };
          found.push(
            served.ok
              ? {
                  what: 'kubelet serving',
                  where,
                  cert: served.chain[0] as CertificateInfo,
                  servedWith: served.chain.slice(1),
                }
              : { what: 'kubelet serving', where, error: served.error },
          );

          s.progress?.(++done, nodes.length);
        }),
      ),
    );
    return { found, clusterCa };
  } catch (e) {
    throw describeApiError(e, 'check-expiration', server);
  }
}

type Add = (what: string, where: string, pem: string | undefined, all?: boolean) => void;

/**
 * metrics-server's serving certificate and its CA, as `secure metrics-server --apply` set them up:
 * the CA Secret in the approver's namespace (read by name: nothing to list), and the serving Secret
 * it names. Absent is no row; a Secret we may not read is a row with the API server's reason.
 */
async function addMetricsServerTls(
  core: CoreV1Api,
  t: <T>(p: Promise<T>, what: string) => Promise<T>,
  add: Add,
  found: FoundCertificate[],
): Promise<void> {
  const b = (v: string | undefined) => (v ? Buffer.from(v, 'base64').toString('utf8') : undefined);
  const read = async (namespace: string, name: string, what: string) => {
    try {
      return await t(core.readNamespacedSecret({ namespace, name }), `reading Secret ${namespace}/${name}`);
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      if (code !== 404) found.push({ what, where: `Secret ${namespace}/${name}`, error: apiReason(e) });
      return undefined;
    }
  };
  const namespace = defaultInstallSettings(pjson.version).namespace;
  const ca = await read(namespace, CA_SECRET_NAME, 'metrics-server CA');
  if (!ca) return;
  add('metrics-server CA', `Secret ${namespace}/${CA_SECRET_NAME}`, b(ca.data?.['tls.crt']));
  if (ca.data?.[PREVIOUS_CA_KEY])
    add('metrics-server CA (previous)', `Secret ${namespace}/${CA_SECRET_NAME}`, b(ca.data[PREVIOUS_CA_KEY]));
  const [servingNs, servingName] = (ca.metadata?.annotations?.[SERVING_SECRET_ANNOTATION] ?? '').split('/');
  if (!servingNs || !servingName) return;
  const serving = await read(servingNs, servingName, 'metrics-server serving');
  if (serving)
    add('metrics-server serving', `Secret ${servingNs}/${servingName}`, b(serving.data?.['tls.crt']));
}

function apiReason(e: unknown): string {
  const code = (e as { code?: unknown }).code;
  const message = parseStatus((e as { body?: unknown }).body);
  return typeof code === 'number' ? `HTTP ${code}${message ? `: ${message}` : ''}` : (e as Error).message;
}
