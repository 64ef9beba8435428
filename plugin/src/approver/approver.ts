import { setTimeout as sleep } from 'node:timers/promises';
import { type Decision, fail, formatSans, parseRequest, requesterNode } from '@kubectl-certs/core';
import {
  AuthorizationV1Api,
  CoordinationV1Api,
  type KubeConfig,
  type V1CertificateSigningRequest,
} from '@kubernetes/client-node';
import { type ApproveClient, approveClient } from '../approve/approve-client.ts';
import { errorRow, firstLine, type ReportItem, reportRow } from '../approve/report-item.ts';
import type { ApproveSettings } from '../approve/settings.ts';
import { watchNodes, withNodeCache } from '../approve/watch.ts';
import { WatchDecider, type WatchTuning } from '../approve/watch-decider.ts';
import { writeDecision } from '../approve/write-decision.ts';
import { controllerPermissions, requirePermissions } from '../kube/access-review.ts';
import {
  CSR_PATH,
  type CsrItem,
  listCsrObjects,
  toCsrItem,
  withoutManagedFields,
} from '../kube/csr-objects.ts';
import { NodeCache } from '../kube/node-cache.ts';
import { DEFAULT_RETRY } from '../kube/retry.ts';
import { readServedChain } from '../kube/tls-probe.ts';
import { runWatchLoop } from '../kube/watch-loop.ts';
import { EVENT_FLUSH_MAX, EVENT_FLUSH_MS, EventQueue } from './event-queue.ts';
import { writeEvent } from './event-write.ts';
import { EVENT_NAMESPACE, eventOf, eventSummary } from './events.ts';
import type { HeapMode } from './heap-mode.ts';
import { serveHttp } from './http-server.ts';
import { IssuedExpiry } from './issued-expiry.ts';
import { KubeletProber, type ProbeSettings } from './kubelet-probe.ts';
import { LeaderElector, type LeaseApi, type LeaseSettings } from './leader-election.ts';
import { ApproverMetrics } from './metrics.ts';
import { PendingCsrs } from './pending-csrs.ts';
import { renewalEvent, renewServingRound, type ServingRenewalSettings } from './serving-renewal.ts';

export interface ApproverSettings extends ApproveSettings {
  tuning: WatchTuning;
  lease: LeaseSettings;
  /** host:port for /metrics, /healthz and /readyz. */
  httpAddress: string;
  /** Most distinct pending requests of one node decided at once. */
  maxPendingPerNode: number;
  /** Mark superseded CSRs Denied (default: leave them Pending, reported). */
  denySuperseded: boolean;
  kubeletProbe: ProbeSettings;
  /** The APIService leg's renewal (secure metrics-server); intervalMs 0 turns it off. */
  servingRenewal: ServingRenewalSettings & { intervalMs: number };
  signal: AbortSignal;
  onItem: (row: ReportItem) => void;
  /** What V8 optimises the heap for: told when work comes (absent in tests: V8's flags left alone). */
  heap?: Pick<HeapMode, 'working' | 'stop'>;
  log: (line: string) => void;
}

/**
 * `approver run`: every replica watches CSRs and Nodes (so it is ready to lead at once and its
 * metrics are true); only the Lease holder decides and writes, with approve-serving's decider.
 * Returns 'lost' when leadership was lost (the process should exit and be restarted).
 */
export async function runApprover(kc: KubeConfig, s: ApproverSettings): Promise<'stopped' | 'lost'> {
  await requirePermissions(
    kc.makeApiClient(AuthorizationV1Api),
    controllerPermissions(s.lease.namespace, EVENT_NAMESPACE),
    s.timeoutMs,
    `kubectl certs rbac --user <you> --lease-namespace ${s.lease.namespace}`,
  );
  const csrs = new PendingCsrs();
  const metrics = new ApproverMetrics(() => csrs.pendingSummary());
  const stop = new AbortController();
  const signal = AbortSignal.any([s.signal, stop.signal]);
  let synced = false;
  let live = false;
  let decider: WatchDecider | undefined;
  const lastEvent = new Map<string, string>();
  // Set when leading ends: the queued Events written within a bound.
  let flushed: Promise<void> | undefined;
  // Events and certificate reads wait for a burst of approvals to be over: its writes go first.
  const approvalsBusy = () => decider?.busy(APPROVALS_QUIET_MS) ?? false;
  const issued = new IssuedExpiry(
    (node, notAfter) => metrics.servingExpiry.set({ node }, notAfter),
    approvalsBusy,
  );

  const lease = { ...s.lease, requestTimeoutMs: s.timeoutMs };
  const elector: LeaderElector = new LeaderElector(leaseApi(kc), lease, {
    onStartedLeading: () => {
      metrics.leader.set(1);
      decider = new WatchDecider(client, {
        ...s,
        onItem: (row, item) => onRow(row, item),
      });
      offer();
    },
    onStoppedLeading: () => {
      metrics.leader.set(0);
      void decider?.idle(true);
      decider = undefined;
      // Lost or released: the Events of decisions already written are still recorded (bounded).
      flushed = events.flush();
    },
    onNewLeader: (id) => id !== s.lease.identity && s.log(`the leader is ${id}`),
    onError: (op, e) => metrics.apiError(op, e),
    log: s.log,
  });
  const nodes = new NodeCache();
  const client = leaderOnly(withNodeCache(counted(approveClient(kc, s.timeoutMs), metrics), nodes), () =>
    elector.isLeader(),
  );

  // Events wait while approvals are being written: decisions first, their reports right after.
  const events = new EventQueue(approvalsBusy);
  // An Event is tried again with the decider's backoff, until written or the queue's flush ends.
  const eventWrites = {
    timeoutMs: s.timeoutMs,
    retry: { attempts: Number.POSITIVE_INFINITY, baseMs: s.tuning.retryBaseMs, maxMs: s.tuning.retryMaxMs },
    log: s.log,
  };
  const onRow = (row: ReportItem, item: CsrItem): Promise<void> | undefined => {
    s.heap?.working();
    metrics.recordRow(row, Date.now());
    s.onItem(row);
    const summary = eventSummary(row);
    if (!summary) return undefined;
    // A refusal evaluated again with the same outcome says nothing new: one Event for it.
    const key = `${summary.reason}\n${summary.message}`;
    if (lastEvent.get(item.request.name) === key) return undefined;
    lastEvent.set(item.request.name, key);
    // Built when written, not now: in a burst, the Events (and their names' hashes) wait anyway.
    const now = new Date();
    return events.add(
      (signal) =>
        writeEvent(client, eventOf(summary, item, s.lease.identity, now), row.name, eventWrites, signal),
      `${row.name} ${summary.reason}`,
    );
  };

  /** Hands the pending CSRs to the decider: the newest per node and SANs, within the per-node cap. */
  const offer = (changed: CsrItem[] | 'all' = 'all') => {
    if (!decider) return;
    const plan = csrs.plan(s.maxPendingPerNode, changed);
    for (const item of plan.held) decider.forget(item);
    for (const { item, by } of plan.superseded)
      void supersede(client, item, by, s).then((row) => onRow(row, item));
    for (const item of plan.capped) {
      metrics.decisions.inc({ decision: 'capped', check: 'node-cap' });
      s.log(
        `${item.request.name}: not decided now: its node has more than ${s.maxPendingPerNode} pending requests (--max-pending-per-node)`,
      );
    }
    if (plan.decide.length) s.heap?.working();
    void decider.offer(plan.decide);
  };

  const http = await serveHttp(s.httpAddress, metrics.registry, {
    notReady: () => {
      if (!synced) return 'not synced: the first list of CSRs is not done';
      if (elector.isLeader() && !live) return 'leader, but its watch of CSRs is not live';
      return undefined;
    },
  });
  s.log(`serving /metrics, /healthz and /readyz on ${http.url}`);

  const csrLoop = runWatchLoop<V1CertificateSigningRequest>(kc, {
    what: 'kubelet-serving CSRs',
    path: CSR_PATH,
    list: async () => {
      // CSRs are decided from the Node cache: listed first, or the first batch would be undecided.
      await nodes.firstAttempt;
      return listCsrObjects(kc, s.timeoutMs, (o) => {
        issued.record(o);
        return csrs.listed(o);
      });
    },
    onList: (items) => {
      csrs.replaceAll(items);
      synced = true;
      offer();
    },
    onEvent: (type, o) => {
      if (type === 'DELETED') {
        csrs.remove(o);
        lastEvent.delete(o.metadata?.name ?? '');
        decider?.forget(toCsrItem(o));
        offer([]);
        return;
      }
      issued.record(o);
      // A pending one is held until decided, and its approval PUT carries it back.
      const item = csrs.upsert(withoutManagedFields(o));
      if (item) offer([item]);
    },
    onLive: (l) => {
      live = l;
    },
    signal,
    log: s.log,
    timeoutMs: s.timeoutMs,
  });
  const prober = new KubeletProber(readServedChain, s.kubeletProbe, {
    selfSigned: (node, v) => metrics.selfSigned.set({ node }, v ? 1 : 0),
    unknown: (node) => {
      metrics.selfSigned.remove({ node });
      metrics.apiError('kubelet_probe', {});
    },
  });
  const nodeLoop = watchNodes(kc, nodes, {
    changed: (name) => void decider?.nodeChanged(name),
    signal,
    log: s.log,
    timeoutMs: s.timeoutMs,
    observe: (type, n) => (type === 'DELETED' ? prober.remove(n.metadata?.name ?? '') : prober.update(n)),
    onListError: (e) => metrics.apiError('list_nodes', e),
  });
  const probeLoop = probeKubelets(
    prober,
    s.kubeletProbe.intervalMs,
    () => elector.isLeader(),
    metrics,
    signal,
  );
  const renewLoop = renewServingLoop(kc, s, client, () => elector.isLeader(), metrics, signal);
  const outcome = await elector.run(drainedFirst(s.signal, () => decider?.idle(true), events));
  stop.abort();
  await Promise.all([csrLoop, nodeLoop, probeLoop, renewLoop]);
  await decider?.idle(true);
  await (flushed ?? events.flush());
  logUnwritten(events.unwritten(), s.log);
  s.heap?.stop();
  await http.close();
  return outcome;
}

/** Says which Events the bound of the last flush left out (their decisions are written). */
function logUnwritten(unwritten: readonly string[], log: (line: string) => void): void {
  if (unwritten.length === 0) return;
  const shown = unwritten.slice(0, 10).join(', ');
  const more = unwritten.length > 10 ? ` and ${unwritten.length - 10} more` : '';
  log(
    `${unwritten.length} Events not written (or not confirmed) after leading ended, past its bound of ${EVENT_FLUSH_MS / 1000}s and ${EVENT_FLUSH_MAX} Events; their decisions are written: ${shown}${more}`,
  );
}

/**
 * A burst of approvals is over once the last two were not written within this long. Each Event is a write
 * to the API server as costly as the approval it reports: written between two CSRs of a burst,
 * they slowed the API server down for the CSRs still coming. A lone decision's Event is written at
 * once (a crash loses only the Events still queued).
 */
const APPROVALS_QUIET_MS = 1_000;

/** On SIGTERM, at most this long goes to writing the decisions in flight and their queued Events. */
const DRAIN_MS = 5_000;

/**
 * The Lease's stop signal: on SIGTERM, aborted only once the writes in flight and the queued
 * Events are done (or DRAIN_MS has passed), so that they are written while this replica still
 * holds the Lease.
 */
function drainedFirst(
  sigterm: AbortSignal,
  stopDeciding: () => Promise<void> | undefined,
  events: EventQueue,
): AbortSignal {
  const drained = new AbortController();
  if (sigterm.aborted) drained.abort();
  sigterm.addEventListener(
    'abort',
    () => {
      const drain = Promise.resolve(stopDeciding()).then(() => events.idle());
      void Promise.race([drain, sleep(DRAIN_MS, undefined, { ref: false })]).finally(() => drained.abort());
    },
    { once: true },
  );
  return drained.signal;
}

/** Probes the kubelets every `intervalMs` while leading (one replica reports them); 0 turns it off. */
async function probeKubelets(
  prober: KubeletProber,
  intervalMs: number,
  leading: () => boolean,
  metrics: ApproverMetrics,
  signal: AbortSignal,
): Promise<void> {
  if (intervalMs <= 0) return;
  while (!signal.aborted) {
    if (leading()) await prober.probeAll();
    else metrics.selfSigned.reset();
    await sleep(intervalMs, undefined, { signal }).catch(() => {});
  }
}

/**
 * Keeps metrics-server's serving certificate (secure metrics-server's APIService leg) valid: every
 * `intervalMs`, while leading, one renewal round (core decides the step). A failure is logged and
 * counted, never fatal: the CSR approval goes on, and the next round tries again.
 */
async function renewServingLoop(
  kc: KubeConfig,
  s: ApproverSettings,
  client: ApproveClient,
  leading: () => boolean,
  metrics: ApproverMetrics,
  signal: AbortSignal,
): Promise<void> {
  const r = s.servingRenewal;
  if (r.intervalMs <= 0) return;
  // The same failure every round (say, no permission on the CA Secret) is logged once.
  let lastError = '';
  while (!signal.aborted) {
    if (leading()) {
      const now = new Date();
      try {
        const round = await renewServingRound(kc, r, now);
        lastError = '';
        if (round?.servingNotAfter)
          metrics.metricsServerServingExpiry.set(round.servingNotAfter.getTime() / 1000);
        if (round?.caNotAfter) metrics.metricsServerCaExpiry.set(round.caNotAfter.getTime() / 1000);
        if (round?.wrote.length) {
          metrics.metricsServerRenewals.inc({ step: round.step.action });
          s.log(
            `metrics-server TLS: ${round.step.action}: ${round.step.reason}; wrote ${round.wrote.join(', ')}`,
          );
          // One try: its name is generated, so a retry of a write that landed late would be a second Event.
          await writeEvent(
            client,
            renewalEvent(round, s.lease.identity, now),
            'the metrics-server TLS renewal',
            {
              timeoutMs: s.timeoutMs,
              retry: { ...DEFAULT_RETRY, attempts: 1 },
              log: s.log,
            },
          );
        }
      } catch (e) {
        metrics.apiError('metrics_server_renewal', e);
        if (firstLine(e) !== lastError) s.log(`metrics-server TLS renewal: ${firstLine(e)}`);
        lastError = firstLine(e);
      }
    }
    await sleep(r.intervalMs, undefined, { signal }).catch(() => {});
  }
}

/** A superseded CSR: reported, and with --deny-superseded marked Denied; never approved. */
async function supersede(
  client: ApproveClient,
  item: CsrItem,
  by: string,
  s: ApproverSettings,
): Promise<ReportItem> {
  const node = requesterNode(item.request) ?? '?';
  const check = fail('superseded', `a newer CSR ${by} of Node ${node} asks for the same names`);
  const p = parseRequest(item.request);
  const d: Decision = {
    csr: item.request.name,
    sans: p.ok ? formatSans(p.value.sans) : [],
    decision: 'refuse',
    reason: `superseded: ${check.message}`,
    checks: [check],
  };
  if (!s.denySuperseded) return reportRow(item, d, 'left pending');
  try {
    await writeDecision(client, item.object, d, s.timeoutMs);
    return reportRow(item, d, 'denied');
  } catch (e) {
    return errorRow(item, d, firstLine(e));
  }
}

/** Counts every failed call by operation and code (for api_errors_total). */
function counted(c: ApproveClient, m: ApproverMetrics): ApproveClient {
  const wrap =
    <A extends unknown[], R>(op: string, f: (...a: A) => Promise<R>) =>
    async (...a: A): Promise<R> => {
      try {
        return await f(...a);
      } catch (e) {
        m.apiError(op, e);
        throw e;
      }
    };
  return {
    server: c.server,
    listNodes: wrap('list_nodes', () => c.listNodes()),
    readCsr: wrap('get_csr', (n: string) => c.readCsr(n)),
    replaceApproval: wrap('update_approval', (n: string, b: V1CertificateSigningRequest) =>
      c.replaceApproval(n, b),
    ),
    resolveDns: (n) => c.resolveDns(n),
    createEvent: wrap('create_event', (ns: string, e: Parameters<ApproveClient['createEvent']>[1]) =>
      c.createEvent(ns, e),
    ),
  };
}

/**
 * Approvals and denials only while this replica holds the Lease: a deposed leader's last batch
 * writes none. Events are not guarded: each records a decision already made, and the queue bounds
 * what is written once leading ends (EventQueue.flush).
 */
function leaderOnly(c: ApproveClient, isLeader: () => boolean): ApproveClient {
  return {
    ...c,
    replaceApproval: async (n, b) => {
      if (!isLeader()) throw new Error('not the leader any more: nothing written');
      return c.replaceApproval(n, b);
    },
  };
}

function leaseApi(kc: KubeConfig): LeaseApi {
  const api = kc.makeApiClient(CoordinationV1Api);
  return {
    read: (namespace, name) => api.readNamespacedLease({ namespace, name }),
    create: (namespace, body) => api.createNamespacedLease({ namespace, body }),
    replace: (namespace, name, body) => api.replaceNamespacedLease({ namespace, name, body }),
  };
}
