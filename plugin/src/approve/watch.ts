import { setTimeout as sleep } from 'node:timers/promises';
import { type Decision, decideAll, type PolicyInput, requesterNode } from '@kubectl-certs/core';
import {
  AuthorizationV1Api,
  CertificatesV1Api,
  CoreV1Api,
  type KubeConfig,
  type V1CertificateSigningRequest,
  Watch,
} from '@kubernetes/client-node';
import { APPROVER_PERMISSIONS, requirePermissions } from '../kube/access-review.ts';
import { type CsrItem, listCsrs, listNodes, toCsrItem } from '../kube/csr-objects.ts';
import { type ApproveSettings, act, type ReportItem } from './approve-serving.ts';

const CSR_PATH = '/apis/certificates.k8s.io/v1/certificatesigningrequests';

export interface WatchSettings extends ApproveSettings {
  signal: AbortSignal;
  onItem: (item: ReportItem) => void;
  log: (line: string) => void;
}

/**
 * Decides CSRs as they arrive until `signal` aborts: list, then watch from the list's
 * resourceVersion; on a dropped connection watch again from the last version seen, on 410 Gone
 * list again. Each CSR (by uid) is decided at most once.
 */
export async function watchAndDecide(kc: KubeConfig, s: WatchSettings): Promise<void> {
  const certs = kc.makeApiClient(CertificatesV1Api);
  const core = kc.makeApiClient(CoreV1Api);
  if (!s.dryRun)
    await requirePermissions(kc.makeApiClient(AuthorizationV1Api), APPROVER_PERMISSIONS, s.timeoutMs);
  const decided = new Set<string>();
  let queue = Promise.resolve();
  const handle = (items: CsrItem[]) => {
    queue = queue
      .then(() => decideBatch(certs, core, items, decided, s))
      .catch((e) => s.log(`deciding failed: ${(e as Error).message}`));
    return queue;
  };
  let rv: string | undefined;
  let failures = 0;
  while (!s.signal.aborted) {
    try {
      if (rv === undefined) {
        const list = await listCsrs(certs, s.timeoutMs);
        rv = list.resourceVersion;
        await handle(list.items);
        s.log(`watching kubelet-serving CSRs from resourceVersion ${rv}`);
      }
      const result = await watchOnce(kc, rv, s.signal, (o) => void handle([toCsrItem(o)]));
      if (result.gone) {
        s.log('resourceVersion too old (410 Gone): listing again');
        rv = undefined;
      } else {
        rv = result.rv;
        if (result.error && !s.signal.aborted) throw result.error;
      }
      failures = 0;
    } catch (e) {
      if (s.signal.aborted) break;
      failures++;
      s.log(`connection to the API server lost (${describe(e)}); retrying`);
      await sleep(Math.min(500 * 2 ** Math.min(failures, 4), 5_000), undefined, { signal: s.signal }).catch(
        () => {},
      );
    }
  }
  await queue;
}

async function decideBatch(
  certs: CertificatesV1Api,
  core: CoreV1Api,
  items: CsrItem[],
  decided: Set<string>,
  s: WatchSettings,
): Promise<void> {
  const fresh = items.filter((i) => {
    const uid = i.object.metadata?.uid ?? i.request.name;
    const pending =
      i.request.signerName === 'kubernetes.io/kubelet-serving' && i.request.conditions.length === 0;
    const selected = s.selection.all || s.selection.nodes.includes(requesterNode(i.request) ?? '');
    return pending && selected && !decided.has(uid);
  });
  if (fresh.length === 0) return;
  for (const i of fresh) decided.add(i.object.metadata?.uid ?? i.request.name);
  // Nodes are listed for every batch: a node that registered a moment ago must be known.
  const nodes: PolicyInput['nodes'] = await listNodes(core, s.timeoutMs).then(
    (value) => ({ ok: true as const, value }),
    (e) => ({ ok: false as const, error: describe(e) }),
  );
  const decisions = await decideAll(
    fresh.map((i) => i.request),
    nodes,
    s.options,
  );
  for (const [k, item] of fresh.entries())
    s.onItem(await act(certs, item, decisions[k] as Decision, nodes, undefined, s));
}

interface WatchResult {
  rv: string;
  gone: boolean;
  error?: unknown;
}

function watchOnce(
  kc: KubeConfig,
  rv: string,
  signal: AbortSignal,
  onObject: (o: V1CertificateSigningRequest) => void,
): Promise<WatchResult> {
  return new Promise((resolve) => {
    let last = rv;
    let gone = false;
    let controller: AbortController | undefined;
    const stop = () => controller?.abort();
    signal.addEventListener('abort', stop, { once: true });
    void new Watch(kc)
      .watch(
        CSR_PATH,
        { resourceVersion: rv, allowWatchBookmarks: true, timeoutSeconds: 300 },
        (type: string, obj: V1CertificateSigningRequest & { code?: number }) => {
          if (type === 'ERROR') {
            gone ||= obj.code === 410;
            return;
          }
          last = obj.metadata?.resourceVersion ?? last;
          if (type === 'ADDED' || type === 'MODIFIED') onObject(obj);
        },
        (err: unknown) => {
          signal.removeEventListener('abort', stop);
          const status = (err as { statusCode?: number } | null)?.statusCode;
          const timedOut = (err as { name?: string } | null)?.name === 'TimeoutError';
          // The client aborts a quiet watch after 30 s: that is not a failure, just watch again.
          resolve({
            rv: last,
            gone: gone || status === 410,
            ...(err && !timedOut && !signal.aborted ? { error: err } : {}),
          });
        },
      )
      .then((c) => {
        controller = c;
        if (signal.aborted) c.abort();
      });
  });
}

function describe(e: unknown): string {
  const err = e as { code?: string | number; message?: string; cause?: { code?: string } };
  return String(err.cause?.code ?? err.code ?? err.message ?? e);
}
