import { setTimeout as sleep } from 'node:timers/promises';
import { apiRequest, type Credentials } from './api.ts';

/** A controller's reconcile loop in this process: level-triggered, every `periodMs`, until stopped. */
export interface ControlLoop {
  /** The last round's failure, for a test's message (a controller logs it and tries again). */
  lastError(): string | undefined;
  /** Resolves once it leads (holds its Lease), or at once without one. */
  leading: Promise<void>;
  /** Stops reconciling and releases its Lease, as a controller does on SIGTERM. */
  stop(): Promise<void>;
}

/**
 * The leader-election Lease a controller holds while it runs, as client-go's leader election keeps
 * it: taken when absent, free (no holder) or expired (not renewed for leaseDurationSeconds),
 * renewed every retry period, released on a clean stop (ReleaseOnCancel: no holder,
 * leaseDurationSeconds 1). Spelled here from client-go's behaviour, not the product's elector.
 */
export interface LeaderLease {
  admin: Credentials;
  namespace: string;
  name: string;
  identity: string;
  labels?: Record<string, string>;
  /** cert-manager's defaults: 60s and 15s. */
  leaseDurationSeconds?: number;
  retryPeriodMs?: number;
}

/** A Lease's MicroTime: RFC 3339 with microseconds, as the API server writes it. */
const micro = (d: Date) => d.toISOString().replace(/Z$/, '000Z');

interface Lease {
  metadata: { resourceVersion?: string };
  spec: {
    holderIdentity?: string;
    renewTime?: string;
    leaseDurationSeconds?: number;
    leaseTransitions?: number;
  };
}

/** One try of client-go's tryAcquireOrRenew: true when it holds the Lease afterwards. */
async function acquireOrRenew(l: LeaderLease, release = false): Promise<boolean> {
  const path = `/apis/coordination.k8s.io/v1/namespaces/${l.namespace}/leases/${l.name}`;
  const now = new Date();
  const duration = l.leaseDurationSeconds ?? 60;
  const got = await apiRequest<Lease>(l.admin, 'GET', path);
  const spec = {
    holderIdentity: release ? '' : l.identity,
    leaseDurationSeconds: release ? 1 : duration,
    renewTime: micro(now),
  };
  const metadata = { name: l.name, namespace: l.namespace, labels: l.labels };
  if (got.status === 404) {
    if (release) return false;
    const made = await apiRequest(l.admin, 'POST', path.replace(/\/[^/]+$/, ''), {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata,
      spec: { ...spec, acquireTime: micro(now), leaseTransitions: 0 },
    });
    return made.status === 201;
  }
  if (got.status !== 200) throw new Error(`GET ${path}: HTTP ${got.status}`);
  const held = got.body.spec;
  const ours = held.holderIdentity === l.identity;
  if (release && !ours) return false;
  const renewed = held.renewTime ? Date.parse(held.renewTime) : 0;
  const expired = renewed + (held.leaseDurationSeconds ?? 0) * 1000 < now.getTime();
  if (!ours && held.holderIdentity && !expired) return false;
  const transitions = (held.leaseTransitions ?? 0) + (ours ? 0 : 1);
  const put = await apiRequest(l.admin, 'PUT', path, {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { ...metadata, resourceVersion: got.body.metadata.resourceVersion },
    spec: {
      ...held,
      ...spec,
      ...(ours ? {} : { acquireTime: micro(now) }),
      ...(release ? { acquireTime: micro(now) } : {}),
      leaseTransitions: transitions,
    },
  });
  return put.status === 200 && !release;
}

export function startControlLoop(
  reconcile: () => Promise<void>,
  options: { periodMs?: number; lease?: LeaderLease } = {},
): ControlLoop {
  const { periodMs = 500, lease } = options;
  const abort = new AbortController();
  const pause = (ms: number) => sleep(ms, undefined, { signal: abort.signal }).catch(() => {});
  let error: string | undefined;
  let leads = !lease;
  let started = () => {};
  const leading = new Promise<void>((resolve) => {
    started = resolve;
  });
  if (leads) started();
  // Campaign, then renew every retry period; a failed renewal is tried again (a real one would
  // give up after its renew deadline and exit).
  const elect = lease
    ? (async () => {
        while (!abort.signal.aborted) {
          try {
            leads = await acquireOrRenew(lease);
            if (leads) started();
          } catch (e) {
            error = e instanceof Error ? e.message : String(e);
          }
          await pause(lease.retryPeriodMs ?? 15_000);
        }
      })()
    : Promise.resolve();
  const run = (async () => {
    while (!abort.signal.aborted) {
      if (leads)
        try {
          await reconcile();
          error = undefined;
        } catch (e) {
          error = e instanceof Error ? e.message : String(e);
        }
      await pause(periodMs);
    }
  })();
  let stopped: Promise<void> | undefined;
  return {
    lastError: () => error,
    leading,
    stop: () => {
      stopped ??= (async () => {
        abort.abort();
        await Promise.all([elect, run]);
        if (lease && leads) await acquireOrRenew(lease, true);
      })();
      return stopped;
    },
  };
}
