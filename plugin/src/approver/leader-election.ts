import { setTimeout as sleep } from 'node:timers/promises';
import type { V1Lease } from '@kubernetes/client-node';
import { V1MicroTime } from '@kubernetes/client-node';
import { firstLine } from '../approve/report-item.ts';
import { withTimeout } from '../kube/timeout.ts';

/** client-go's leaderelection.LeaderElectionConfig, with its usual defaults. */
export interface LeaseSettings {
  namespace: string;
  name: string;
  /** Unique per replica: client-go's convention is hostname + "_" + a random id. */
  identity: string;
  /** How long a lease holds without renewal; followers wait this long after its last change. */
  leaseDurationMs: number;
  /** The leader gives up leading when it could not renew for this long. */
  renewDeadlineMs: number;
  /** Time between tries (jittered by 1.2 as client-go's JitterFactor, while acquiring). */
  retryPeriodMs: number;
  /** --request-timeout: each Lease call is bounded by it and by renewDeadline (0 or absent: renewDeadline). */
  requestTimeoutMs?: number;
}

export const DEFAULT_LEASE_TIMING = {
  leaseDurationMs: 15_000,
  renewDeadlineMs: 10_000,
  retryPeriodMs: 2_000,
};

/** The Lease calls, as one port (the real one is client-node's CoordinationV1Api, fakes in tests). */
export interface LeaseApi {
  read(namespace: string, name: string): Promise<V1Lease>;
  create(namespace: string, lease: V1Lease): Promise<V1Lease>;
  replace(namespace: string, name: string, lease: V1Lease): Promise<V1Lease>;
}

export interface LeaderHooks {
  onStartedLeading(): void;
  /** Leadership is lost (renewal failed past the deadline) or given up at shutdown. */
  onStoppedLeading(): void;
  onNewLeader?(identity: string): void;
  onError?(operation: string, e: unknown): void;
  log(line: string): void;
}

interface Observed {
  spec: string;
  /** Local time when this replica saw the record change: expiry is judged on our clock, not theirs. */
  at: number;
}

/**
 * Leader election on a coordination.k8s.io/v1 Lease with client-go's semantics: acquire when the
 * lease is free (no holder, or not renewed for leaseDuration as observed locally), renew every
 * retryPeriod, stop leading when renewing fails for renewDeadline, and on shutdown release it as
 * ReleaseOnCancel does (holderIdentity cleared, leaseDurationSeconds 1) so another replica
 * takes over at once. Updates carry the resourceVersion read: two replicas never both win.
 */
export class LeaderElector {
  private readonly api: LeaseApi;
  private readonly s: LeaseSettings;
  private readonly hooks: LeaderHooks;
  private readonly now: () => number;
  private observed: Observed | undefined;
  private lastRenew = 0;
  private leading = false;
  private holder = '';
  /** The last failure logged: the same one again (every retry period) is not. */
  private lastFailure = '';

  constructor(api: LeaseApi, s: LeaseSettings, hooks: LeaderHooks, now: () => number = Date.now) {
    this.api = api;
    this.s = s;
    this.hooks = hooks;
    this.now = now;
  }

  /** True while this replica holds the lease and renewed it within renewDeadline. */
  isLeader(): boolean {
    return this.leading && this.now() - this.lastRenew < this.s.renewDeadlineMs;
  }

  /** Campaigns, leads, and releases at `signal`; returns when leadership ends or `signal` aborts. */
  async run(signal: AbortSignal): Promise<'lost' | 'stopped'> {
    while (!signal.aborted && !(await this.tryAcquireOrRenew())) {
      await pause(this.s.retryPeriodMs * (1 + Math.random() * 1.2), signal);
    }
    if (signal.aborted) return 'stopped';
    this.leading = true;
    this.hooks.log(
      `became the leader (Lease ${this.s.namespace}/${this.s.name}, identity ${this.s.identity})`,
    );
    this.hooks.onStartedLeading();
    const outcome = await this.renewLoop(signal);
    this.leading = false;
    if (outcome === 'stopped') await this.release();
    this.hooks.onStoppedLeading();
    return outcome;
  }

  private async renewLoop(signal: AbortSignal): Promise<'lost' | 'stopped'> {
    for (;;) {
      await pause(this.s.retryPeriodMs, signal);
      if (signal.aborted) return 'stopped';
      const deadline = this.now() + this.s.renewDeadlineMs;
      let renewed = await this.tryAcquireOrRenew();
      while (!renewed && this.now() + this.s.retryPeriodMs < deadline && !signal.aborted) {
        await pause(this.s.retryPeriodMs, signal);
        renewed = await this.tryAcquireOrRenew();
      }
      if (signal.aborted) return 'stopped';
      if (!renewed) {
        this.hooks.log(
          `could not renew the Lease within ${this.s.renewDeadlineMs / 1000}s: no longer the leader`,
        );
        return 'lost';
      }
    }
  }

  /** One round, as client-go's tryAcquireOrRenew: true when this replica holds the lease after it. */
  async tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, name, identity } = this.s;
    const now = this.now();
    const mine = {
      holderIdentity: identity,
      leaseDurationSeconds: Math.ceil(this.s.leaseDurationMs / 1000),
      renewTime: micro(now),
    };
    let current: V1Lease;
    try {
      current = await this.bounded(this.api.read(namespace, name), 'reading');
    } catch (e) {
      if ((e as { code?: number }).code !== 404) {
        this.failed('lease_get', e);
        return false;
      }
      return this.write(() =>
        this.api.create(namespace, {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name, namespace },
          spec: { ...mine, acquireTime: micro(now), leaseTransitions: 0 },
        }),
      );
    }
    const spec = current.spec ?? {};
    const key = JSON.stringify([spec.holderIdentity, spec.renewTime, spec.leaseDurationSeconds]);
    if (this.observed?.spec !== key) this.observed = { spec: key, at: now };
    const holder = spec.holderIdentity ?? '';
    if (holder !== this.holder) {
      this.holder = holder;
      if (holder) this.hooks.onNewLeader?.(holder);
    }
    const expires = this.observed.at + (spec.leaseDurationSeconds ?? 0) * 1000;
    if (holder !== '' && holder !== identity && expires > now) {
      this.lastFailure = '';
      return false;
    }
    const transitions = spec.leaseTransitions ?? 0;
    return this.write(() =>
      this.api.replace(namespace, name, {
        ...current,
        spec: {
          ...spec,
          ...mine,
          acquireTime: holder === identity ? spec.acquireTime : micro(now),
          leaseTransitions: holder === identity ? transitions : transitions + 1,
        },
      }),
    );
  }

  private async write(call: () => Promise<V1Lease>): Promise<boolean> {
    try {
      const written = await this.bounded(call(), 'writing');
      const spec = written.spec ?? {};
      this.observed = {
        spec: JSON.stringify([spec.holderIdentity, spec.renewTime, spec.leaseDurationSeconds]),
        at: this.now(),
      };
      this.lastRenew = this.now();
      this.holder = this.s.identity;
      this.lastFailure = '';
      return true;
    } catch (e) {
      // 409: another replica wrote first; it holds the lease now.
      if ((e as { code?: number }).code !== 409) this.failed('lease_update', e);
      return false;
    }
  }

  /**
   * A Lease call that cannot outlast the renew deadline (as client-go's, whose leader-election
   * client times out there): a hung connection is a failed try, and leading ends in time.
   */
  private bounded<T>(call: Promise<T>, doing: string): Promise<T> {
    const { renewDeadlineMs, requestTimeoutMs = 0 } = this.s;
    const byFlag = requestTimeoutMs > 0 && requestTimeoutMs < renewDeadlineMs;
    return withTimeout(
      call,
      byFlag ? requestTimeoutMs : renewDeadlineMs,
      `${doing} the Lease ${this.s.namespace}/${this.s.name}`,
      byFlag ? '--request-timeout' : '--leader-elect-renew-deadline',
    );
  }

  /** Counted, and logged in one line unless it is the same failure as the last one. */
  private failed(operation: string, e: unknown): void {
    this.hooks.onError?.(operation, e);
    const line = firstLine(e);
    if (line !== this.lastFailure)
      this.hooks.log(`could not ${this.leading ? 'renew' : 'acquire'} the Lease: ${line}`);
    this.lastFailure = line;
  }

  /** ReleaseOnCancel: clear the holder so that a follower need not wait for the lease to expire. */
  private async release(): Promise<void> {
    const { namespace, name, identity } = this.s;
    try {
      const current = await this.bounded(this.api.read(namespace, name), 'reading');
      if (current.spec?.holderIdentity !== identity) return;
      const now = micro(this.now());
      await this.bounded(
        this.api.replace(namespace, name, {
          ...current,
          spec: {
            ...current.spec,
            holderIdentity: '',
            leaseDurationSeconds: 1,
            renewTime: now,
            acquireTime: now,
          },
        }),
        'releasing',
      );
      this.hooks.log(`released the Lease ${namespace}/${name}`);
    } catch (e) {
      this.hooks.onError?.('lease_update', e);
      this.hooks.log(`could not release the Lease (it expires by itself): ${firstLine(e)}`);
    }
  }
}

function micro(ms: number): V1MicroTime {
  return new V1MicroTime(ms);
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return sleep(ms, undefined, { signal }).catch(() => {});
}
