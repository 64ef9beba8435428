import {
  APISERVICE_LEG_LABELS,
  type CertificateInfo,
  type FoundCertificate,
  type KnownCas,
  KUBELET_SERVING_SIGNER,
  PREVIOUS_CA_KEY,
  parseCertificates,
  preferredAddress,
  SERVING_SECRET_ANNOTATION,
} from '@kubectl-certs/core';
import {
  ApiregistrationV1Api,
  CertificatesV1Api,
  CoreV1Api,
  type KubeConfig,
  type V1Secret,
} from '@kubernetes/client-node';
import pLimit from 'p-limit';
import { describeApiError, parseStatus } from '../kube/api-error.ts';
import { listCsrs, toNodeFacts } from '../kube/csr-objects.ts';
import { labelSelectorOf } from '../kube/label-selector.ts';
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
  [KUBELET_SERVING_SIGNER]: 'kubelet serving (CSR)',
  'kubernetes.io/kube-apiserver-client-kubelet': 'kubelet client (CSR)',
};

/** Every certificate kubectl-certs can see from outside: nodes' kubelets, the API server, CAs, CSRs, Secrets. */
export async function scanCluster(
  kc: KubeConfig,
  s: ScanSettings,
): Promise<{ found: FoundCertificate[]; cas: KnownCas }> {
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

    const metricsServerCa = await addMetricsServerTls(core, t, add, found);

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
    return { found, cas: { clusterCa, metricsServerCa } };
  } catch (e) {
    throw describeApiError(e, 'check-expiration', server);
  }
}

type Add = (what: string, where: string, pem: string | undefined, all?: boolean) => void;

/**
 * metrics-server's serving certificate and its CA, as `secure metrics-server --apply` set them up,
 * wherever they are (the approver's namespace is the user's choice): the Secrets with our labels,
 * in every namespace. A CA Secret is the one that names its serving Secret (the annotation); that
 * one is read by name should it have lost its labels. None is no row; a list or read we may not
 * make is a row with the API server's reason. Returns the CAs' certificates (current, previous).
 */
async function addMetricsServerTls(
  core: CoreV1Api,
  t: <T>(p: Promise<T>, what: string) => Promise<T>,
  add: Add,
  found: FoundCertificate[],
): Promise<CertificateInfo[]> {
  const b = (v: string | undefined) => (v ? Buffer.from(v, 'base64').toString('utf8') : undefined);
  const refOf = (s: V1Secret) => `${s.metadata?.namespace}/${s.metadata?.name}`;
  const labelSelector = labelSelectorOf(APISERVICE_LEG_LABELS);
  let secrets: V1Secret[];
  try {
    secrets = (
      await t(core.listSecretForAllNamespaces({ labelSelector }), `listing Secrets labelled ${labelSelector}`)
    ).items;
  } catch (e) {
    found.push({
      what: 'metrics-server CA',
      where: `Secrets labelled ${labelSelector}`,
      error: apiReason(e),
    });
    return [];
  }
  const byRef = new Map(secrets.map((s) => [refOf(s), s]));
  const caCerts: CertificateInfo[] = [];
  for (const ca of secrets.filter((s) => s.metadata?.annotations?.[SERVING_SECRET_ANNOTATION])) {
    const where = `Secret ${refOf(ca)}`;
    for (const [what, key] of [
      ['metrics-server CA', 'tls.crt'],
      ['metrics-server CA (previous)', PREVIOUS_CA_KEY],
    ] as const) {
      const pem = b(ca.data?.[key]);
      if (!pem) continue;
      add(what, where, pem);
      caCerts.push(...certificatesOf(pem));
    }
    const servingRef = ca.metadata?.annotations?.[SERVING_SECRET_ANNOTATION] ?? '';
    const [namespace, name] = servingRef.split('/');
    if (!namespace || !name) continue;
    const serving = byRef.get(servingRef) ?? (await readSecret(namespace, name));
    if (serving) add('metrics-server serving', `Secret ${servingRef}`, b(serving.data?.['tls.crt']));
  }
  return caCerts;

  async function readSecret(namespace: string, name: string): Promise<V1Secret | undefined> {
    try {
      return await t(core.readNamespacedSecret({ namespace, name }), `reading Secret ${namespace}/${name}`);
    } catch (e) {
      if ((e as { code?: unknown }).code !== 404)
        found.push({
          what: 'metrics-server serving',
          where: `Secret ${namespace}/${name}`,
          error: apiReason(e),
        });
      return undefined;
    }
  }
}

/** The certificates of a PEM text; none when it cannot be read (its row says why). */
function certificatesOf(pem: string): CertificateInfo[] {
  try {
    return parseCertificates(pem);
  } catch {
    return [];
  }
}

function apiReason(e: unknown): string {
  const code = (e as { code?: unknown }).code;
  const message = parseStatus((e as { body?: unknown }).body);
  return typeof code === 'number' ? `HTTP ${code}${message ? `: ${message}` : ''}` : (e as Error).message;
}
