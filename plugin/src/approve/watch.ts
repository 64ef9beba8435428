import type { NodeFacts } from '@kubectl-certs/core';
import {
  AuthorizationV1Api,
  CertificatesV1Api,
  CoreV1Api,
  type KubeConfig,
  type V1CertificateSigningRequest,
  type V1Node,
} from '@kubernetes/client-node';
import { APPROVER_PERMISSIONS, requirePermissions } from '../kube/access-review.ts';
import { listCsrs, listNodeObjects, toCsrItem, toNodeFacts } from '../kube/csr-objects.ts';
import { runWatchLoop } from '../kube/watch-loop.ts';
import { approveClient } from './approve-client.ts';
import type { ReportItem } from './report-item.ts';
import type { ApproveSettings } from './settings.ts';
import { DEFAULT_TUNING, type DeciderSettings, WatchDecider, type WatchTuning } from './watch-decider.ts';

export const CSR_PATH = '/apis/certificates.k8s.io/v1/certificatesigningrequests';
export const NODE_PATH = '/api/v1/nodes';

export interface WatchSettings extends ApproveSettings {
  signal: AbortSignal;
  onItem: (item: ReportItem) => void;
  log: (line: string) => void;
  tuning?: WatchTuning;
}

/**
 * Decides CSRs as they arrive until `signal` aborts, and watches Nodes so that a CSR refused
 * because its Node was not there yet (or had no addresses yet) is evaluated again when it is.
 */
export async function watchAndDecide(kc: KubeConfig, s: WatchSettings): Promise<void> {
  if (!s.dryRun)
    await requirePermissions(kc.makeApiClient(AuthorizationV1Api), APPROVER_PERMISSIONS, s.timeoutMs);
  const decider = new WatchDecider(approveClient(kc, s.timeoutMs), {
    ...s,
    tuning: s.tuning ?? DEFAULT_TUNING,
    onItem: (row) => s.onItem(row),
  });
  await Promise.all([
    watchCsrs(kc, decider, s),
    watchNodes(kc, (name) => void decider.nodeChanged(name), s.signal, s.log, s.timeoutMs),
  ]);
  await decider.idle(true);
}

export function watchCsrs(
  kc: KubeConfig,
  decider: WatchDecider,
  s: Pick<DeciderSettings, 'log' | 'timeoutMs'> & { signal: AbortSignal; onLive?: (live: boolean) => void },
): Promise<void> {
  const certs = kc.makeApiClient(CertificatesV1Api);
  return runWatchLoop<V1CertificateSigningRequest>(kc, {
    what: 'kubelet-serving CSRs',
    path: CSR_PATH,
    list: async () => {
      const l = await listCsrs(certs, s.timeoutMs);
      return { items: l.items.map((i) => i.object), resourceVersion: l.resourceVersion };
    },
    onList: (items) => decider.offer(items.map(toCsrItem)),
    onEvent: (type, o) => {
      if (type === 'DELETED') decider.forget(toCsrItem(o));
      else void decider.offer([toCsrItem(o)]);
    },
    signal: s.signal,
    log: s.log,
    ...(s.onLive ? { onLive: s.onLive } : {}),
  });
}

/**
 * Calls `changed(name)` for every Node that appears or whose addresses change, and `observe` (when
 * given) with every Node object seen.
 */
export function watchNodes(
  kc: KubeConfig,
  changed: (name: string) => void,
  signal: AbortSignal,
  log: (line: string) => void,
  timeoutMs: number,
  observe?: (type: 'ADDED' | 'MODIFIED' | 'DELETED', n: V1Node) => void,
): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  const known = new Map<string, string>();
  const see = (n: NodeFacts) => {
    const key = JSON.stringify(n.addresses);
    if (known.get(n.name) === key) return;
    known.set(n.name, key);
    changed(n.name);
  };
  return runWatchLoop<V1Node>(kc, {
    what: 'Nodes',
    path: NODE_PATH,
    list: () => listNodeObjects(core, timeoutMs),
    onList: (items) => {
      for (const n of items) {
        observe?.('ADDED', n);
        see(toNodeFacts(n));
      }
    },
    onEvent: (type, n) => {
      observe?.(type, n);
      const facts = toNodeFacts(n);
      if (type === 'DELETED') known.delete(facts.name);
      else see(facts);
    },
    signal,
    log,
  });
}
