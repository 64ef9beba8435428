import { readFileSync } from 'node:fs';
import {
  type CertificateInfo,
  isPendingKubeletServing,
  judgeKubelet,
  type KubeletEvidence,
  type KubeletVerdict,
  parseCertificates,
  preferredAddress,
  requesterNode,
} from '@kubectl-certs/core';
import { CertificatesV1Api, CoreV1Api, type KubeConfig, type V1Node } from '@kubernetes/client-node';
import pLimit from 'p-limit';
import { describeApiError, parseStatus } from '../kube/api-error.ts';
import { listCsrs, toNodeFacts } from '../kube/csr-objects.ts';
import { withTimeout } from '../kube/timeout.ts';
import { readServedChain } from '../kube/tls-probe.ts';
import { UserError } from '../user-error.ts';

export interface InspectSettings {
  nodes: string[];
  all: boolean;
  caFile?: string | undefined;
  preferredAddressTypes: string[];
  kubeletTimeoutMs: number;
  timeoutMs: number;
  concurrency: number;
  now: Date;
  progress?: (done: number, total: number) => void;
}

/** Gathers the evidence for each kubelet (API objects, TLS, /configz, CSRs) and lets core judge it. */
export async function inspectKubelets(kc: KubeConfig, s: InspectSettings): Promise<KubeletVerdict[]> {
  const server = kc.getCurrentCluster()?.server ?? '?';
  const core = kc.makeApiClient(CoreV1Api);
  const certs = kc.makeApiClient(CertificatesV1Api);
  try {
    const nodes = s.all
      ? (await withTimeout(core.listNode(), s.timeoutMs, 'listing Nodes')).items
      : await readNodes(core, s.nodes, s.timeoutMs);
    const roots = await loadRoots(core, s.caFile, s.timeoutMs);
    const pending = await listPendingServingCsrs(certs, s.timeoutMs, server);
    const limit = pLimit(s.concurrency);
    let done = 0;
    return await Promise.all(
      nodes.map((n) =>
        limit(async () => {
          const facts = toNodeFacts(n);
          const port = n.status?.daemonEndpoints?.kubeletEndpoint?.Port ?? 10250;
          const target = preferredAddress(facts.addresses, s.preferredAddressTypes);
          const evidence: KubeletEvidence = {
            node: facts.name,
            addresses: facts.addresses,
            port,
            preferredAddressTypes: s.preferredAddressTypes,
            served: target
              ? await readServedChain(target.address, port, s.kubeletTimeoutMs)
              : { ok: false, error: 'no address' },
            roots,
            configz: await readConfigz(core, facts.name, s.kubeletTimeoutMs),
            pendingCsrs: pending.ok
              ? pending.items
                  .filter((p) => requesterNode(p.request) === facts.name)
                  .map((p) => p.request.name)
              : [],
            pendingCsrsError: pending.ok ? undefined : pending.error,
            now: s.now,
          };
          const verdict = await judgeKubelet(evidence);
          s.progress?.(++done, nodes.length);
          return verdict;
        }),
      ),
    );
  } catch (e) {
    throw describeApiError(e, 'inspect-kubelet', server);
  }
}

type CsrItems = Awaited<ReturnType<typeof listCsrs>>['items'];

/** Every pending kubelet-serving CSR, or why they could not be listed (then nothing is known about them). */
async function listPendingServingCsrs(
  certs: CertificatesV1Api,
  timeoutMs: number,
  server: string,
): Promise<{ ok: true; items: CsrItems } | { ok: false; error: string }> {
  try {
    const r = await listCsrs(certs, timeoutMs);
    const items = r.items.filter((i) => isPendingKubeletServing(i.request));
    return { ok: true, items };
  } catch (e) {
    return { ok: false, error: describeApiError(e, 'listing CSRs', server).message };
  }
}

async function readNodes(core: CoreV1Api, names: string[], timeoutMs: number): Promise<V1Node[]> {
  const out: V1Node[] = [];
  for (const name of names) {
    try {
      out.push(await withTimeout(core.readNode({ name }), timeoutMs, `reading Node ${name}`));
    } catch (e) {
      if ((e as { code?: number }).code === 404) throw new UserError(`Node ${name} not found`);
      throw e;
    }
  }
  return out;
}

/** The CA a client would trust: --ca-file, else the cluster CA published in kube-root-ca.crt. */
async function loadRoots(
  core: CoreV1Api,
  caFile: string | undefined,
  timeoutMs: number,
): Promise<KubeletEvidence['roots']> {
  if (caFile) {
    let text: string;
    try {
      text = readFileSync(caFile, 'utf8');
    } catch (e) {
      throw new UserError(`cannot read --ca-file ${caFile}: ${(e as Error).message}`);
    }
    try {
      return { ok: true, certs: parseCertificates(text), source: caFile };
    } catch (e) {
      throw new UserError(`--ca-file ${caFile}: ${(e as Error).message}`);
    }
  }
  const source = 'ConfigMap kube-system/kube-root-ca.crt';
  try {
    const cm = await withTimeout(
      core.readNamespacedConfigMap({ name: 'kube-root-ca.crt', namespace: 'kube-system' }),
      timeoutMs,
      `reading ${source}`,
    );
    return { ok: true, certs: parseCertificates(cm.data?.['ca.crt'] ?? '') as CertificateInfo[], source };
  } catch (e) {
    return { ok: false, error: (e as Error).message.split('\n')[0] ?? 'unreadable', source };
  }
}

/** The kubelet's TLS settings from /configz, read through the API server's node proxy. */
async function readConfigz(
  core: CoreV1Api,
  node: string,
  timeoutMs: number,
): Promise<KubeletEvidence['configz']> {
  try {
    const body = await withTimeout(
      core.connectGetNodeProxyWithPath({ name: node, path: 'configz' }),
      timeoutMs,
      `GET nodes/${node}/proxy/configz`,
    );
    // client-node hands back the proxied body parsed when it is JSON, as text otherwise.
    const doc = (typeof body === 'string' ? JSON.parse(body) : body) as {
      kubeletconfig?: { serverTLSBootstrap?: boolean; rotateCertificates?: boolean };
    };
    const cfg = doc.kubeletconfig ?? {};
    return {
      ok: true,
      serverTLSBootstrap: cfg.serverTLSBootstrap,
      rotateCertificates: cfg.rotateCertificates,
    };
  } catch (e) {
    // The API server says why it could not reach the kubelet in its Status message
    // ("error trying to reach service: ..."): keep its words, with the code.
    const { code, body } = e as { code?: number; body?: unknown };
    const said = parseStatus(body)?.split('\n')[0];
    return {
      ok: false,
      forbidden: code === 403,
      error: code
        ? `HTTP ${code}${said ? `: ${said}` : ''}`
        : ((e as Error).message.split('\n')[0] ?? 'failed'),
    };
  }
}
