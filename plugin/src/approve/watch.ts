import {
  AuthorizationV1Api,
  type KubeConfig,
  type V1CertificateSigningRequest,
  type V1Node,
} from '@kubernetes/client-node';
import { APPROVER_PERMISSIONS, requirePermissions } from '../kube/access-review.ts';
import { describeApiError } from '../kube/api-error.ts';
import {
  CSR_PATH,
  listCsrObjects,
  listNodeObjects,
  NODE_PATH,
  toCsrItem,
  toNodeFacts,
} from '../kube/csr-objects.ts';
import { NodeCache } from '../kube/node-cache.ts';
import { runWatchLoop } from '../kube/watch-loop.ts';
import { type ApproveClient, approveClient } from './approve-client.ts';
import type { ReportItem } from './report-item.ts';
import type { ApproveSettings } from './settings.ts';
import { DEFAULT_TUNING, type DeciderSettings, WatchDecider, type WatchTuning } from './watch-decider.ts';

export interface WatchSettings extends ApproveSettings {
  signal: AbortSignal;
  onItem: (item: ReportItem) => void;
  log: (line: string) => void;
  tuning?: WatchTuning;
}

/**
 * Decides CSRs as they arrive until `signal` aborts, from a watched cache of the Nodes (one list,
 * not one per batch); a CSR refused because its Node was not there yet (or had no addresses yet)
 * is evaluated again when it is.
 */
export async function watchAndDecide(kc: KubeConfig, s: WatchSettings): Promise<void> {
  if (!s.dryRun)
    await requirePermissions(kc.makeApiClient(AuthorizationV1Api), APPROVER_PERMISSIONS, s.timeoutMs);
  const nodes = new NodeCache();
  const decider = new WatchDecider(withNodeCache(approveClient(kc, s.timeoutMs), nodes), {
    ...s,
    tuning: s.tuning ?? DEFAULT_TUNING,
    onItem: (row) => s.onItem(row),
  });
  await Promise.all([
    nodes.firstAttempt.then(() => watchCsrs(kc, decider, s)),
    watchNodes(kc, nodes, {
      changed: (name) => void decider.nodeChanged(name),
      signal: s.signal,
      log: s.log,
      timeoutMs: s.timeoutMs,
    }),
  ]);
  await decider.idle(true);
}

export function watchCsrs(
  kc: KubeConfig,
  decider: WatchDecider,
  s: Pick<DeciderSettings, 'log' | 'timeoutMs'> & { signal: AbortSignal; onLive?: (live: boolean) => void },
): Promise<void> {
  return runWatchLoop<V1CertificateSigningRequest>(kc, {
    what: 'kubelet-serving CSRs',
    path: CSR_PATH,
    list: () => listCsrObjects(kc, s.timeoutMs),
    onList: (items) => decider.offer(items.map(toCsrItem)),
    onEvent: (type, o) => {
      if (type === 'DELETED') decider.forget(toCsrItem(o));
      else void decider.offer([toCsrItem(o)]);
    },
    signal: s.signal,
    log: s.log,
    timeoutMs: s.timeoutMs,
    ...(s.onLive ? { onLive: s.onLive } : {}),
  });
}

/**
 * Keeps `cache` true to the Nodes (list, then watch) and calls `changed(name)` for every Node that
 * appears or whose addresses change, after the cache has it; `observe` (when given) sees every
 * Node object.
 */
export interface NodeWatch {
  changed: (name: string) => void;
  signal: AbortSignal;
  log: (line: string) => void;
  timeoutMs: number;
  observe?: (type: 'ADDED' | 'MODIFIED' | 'DELETED', n: V1Node) => void;
  /** A failed list of Nodes (the loop lists again with backoff). */
  onListError?: (e: unknown) => void;
}

export function watchNodes(kc: KubeConfig, cache: NodeCache, w: NodeWatch): Promise<void> {
  const { changed, signal, log, timeoutMs, observe } = w;
  const server = kc.getCurrentCluster()?.server ?? '?';
  return runWatchLoop<V1Node>(kc, {
    what: 'Nodes',
    path: NODE_PATH,
    list: () =>
      listNodeObjects(kc, timeoutMs).catch((e: unknown) => {
        cache.failed(describeApiError(e, 'listing Nodes', server).message);
        w.onListError?.(e);
        throw e;
      }),
    onList: (items) => {
      for (const n of items) observe?.('ADDED', n);
      for (const name of cache.replaceAll(items.map(toNodeFacts))) changed(name);
    },
    onEvent: (type, n) => {
      observe?.(type, n);
      const facts = toNodeFacts(n);
      if (type === 'DELETED') cache.remove(facts.name);
      else if (cache.upsert(facts)) changed(facts.name);
    },
    onLive: (live) => cache.live(live),
    signal,
    log,
    timeoutMs,
  }).finally(() => cache.failed('listing Nodes: the watch of Nodes has stopped'));
}

/** The client with its Node list read from the watched cache instead of the API server. */
export function withNodeCache(client: ApproveClient, cache: NodeCache): ApproveClient {
  return { ...client, listNodes: async () => cache.list() };
}
