import type { V1Lease } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { LeaderElector, type LeaseApi } from '../src/approver/leader-election.ts';
import { apiError } from './support/fake-cluster.ts';

/** A Lease store with resourceVersions, as the API server keeps one (409 on a stale update). */
class FakeLeases implements LeaseApi {
  lease: V1Lease | undefined;
  failing = false;
  /** A call that never answers, as over a connection the API server holds. */
  hanging: 'read' | 'replace' | undefined;
  beforeReplace: (() => Promise<void>) | undefined;
  async read(): Promise<V1Lease> {
    if (this.hanging === 'read') await new Promise(() => {});
    if (this.failing) throw apiError(503, 'unavailable');
    if (!this.lease) throw apiError(404, 'leases "l" not found');
    return structuredClone(this.lease);
  }
  async create(_ns: string, lease: V1Lease): Promise<V1Lease> {
    if (this.lease) throw apiError(409, 'already exists');
    this.lease = { ...structuredClone(lease), metadata: { ...lease.metadata, resourceVersion: '1' } };
    return structuredClone(this.lease);
  }
  async replace(_ns: string, _n: string, lease: V1Lease): Promise<V1Lease> {
    await this.beforeReplace?.();
    if (this.hanging === 'replace') await new Promise(() => {});
    if (this.failing) throw apiError(503, 'unavailable');
    if (lease.metadata?.resourceVersion !== this.lease?.metadata?.resourceVersion)
      throw apiError(409, 'conflict');
    const rv = String(Number(this.lease?.metadata?.resourceVersion) + 1);
    this.lease = { ...structuredClone(lease), metadata: { ...lease.metadata, resourceVersion: rv } };
    return structuredClone(this.lease);
  }
}

const TIMING = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };
/** One elector `a` on the Lease kube-system/l, with timings short enough for a real clock. */
const FAST = {
  namespace: 'kube-system',
  name: 'l',
  identity: 'a',
  leaseDurationMs: 300,
  renewDeadlineMs: 200,
  retryPeriodMs: 20,
};

function replica(leases: FakeLeases, identity: string, clock: { now: number }) {
  const log: string[] = [];
  const elector = new LeaderElector(
    leases,
    { namespace: 'kube-system', name: 'l', identity, ...TIMING },
    { onStartedLeading: () => {}, onStoppedLeading: () => {}, log: (l) => log.push(l) },
    () => clock.now,
  );
  return { elector, log };
}

describe('leader election on a Lease, with client-go semantics', () => {
  it.each<
    [
      string,
      (s: {
        leases: FakeLeases;
        clock: { now: number };
        a: LeaderElector;
        b: LeaderElector;
      }) => Promise<void>,
      string | undefined,
      Record<string, unknown>,
    ]
  >([
    [
      'the first replica creates the Lease and holds it',
      async ({ a }) => void (await a.tryAcquireOrRenew()),
      'a',
      { leaseTransitions: 0, leaseDurationSeconds: 15 },
    ],
    [
      'a second replica does not take a Lease renewed within the lease duration',
      async ({ a, b, clock }) => {
        await a.tryAcquireOrRenew();
        await b.tryAcquireOrRenew();
        clock.now += 14_000;
        expect(await b.tryAcquireOrRenew()).toBe(false);
      },
      'a',
      {},
    ],
    [
      'it takes over once the lease duration passed without a renewal it saw (judged on its own clock)',
      async ({ a, b, clock }) => {
        await a.tryAcquireOrRenew();
        await b.tryAcquireOrRenew();
        clock.now += 15_001;
        expect(await b.tryAcquireOrRenew()).toBe(true);
      },
      'b',
      { leaseTransitions: 1 },
    ],
    [
      'a holder whose clock is an hour behind keeps its Lease: expiry is judged by when we saw it change',
      async ({ b, leases, clock }) => {
        const skewed = new Date(clock.now - 3_600_000).toISOString();
        await leases.create('kube-system', {
          metadata: { name: 'l' },
          spec: { holderIdentity: 'x', leaseDurationSeconds: 15, renewTime: skewed as unknown as Date },
        });
        expect(await b.tryAcquireOrRenew()).toBe(false);
      },
      'x',
      {},
    ],
    [
      'a renewal by the holder keeps it: the follower saw the record change',
      async ({ a, b, clock }) => {
        await a.tryAcquireOrRenew();
        await b.tryAcquireOrRenew();
        clock.now += 10_000;
        await a.tryAcquireOrRenew();
        await b.tryAcquireOrRenew();
        clock.now += 10_000;
        expect(await b.tryAcquireOrRenew()).toBe(false);
      },
      'a',
      { leaseTransitions: 0 },
    ],
    [
      'a released Lease (holderIdentity "") is taken at once',
      async ({ a, b, leases }) => {
        await a.tryAcquireOrRenew();
        await b.tryAcquireOrRenew();
        (leases.lease as V1Lease).spec = {
          ...leases.lease?.spec,
          holderIdentity: '',
          leaseDurationSeconds: 1,
        };
        expect(await b.tryAcquireOrRenew()).toBe(true);
      },
      'b',
      { leaseDurationSeconds: 15 },
    ],
    [
      'two replicas racing for a free Lease: the update with the older resourceVersion loses (409)',
      async ({ a, b, leases }) => {
        await leases.create('kube-system', { metadata: { name: 'l' }, spec: { holderIdentity: '' } });
        leases.beforeReplace = async () => {
          leases.beforeReplace = undefined;
          expect(await a.tryAcquireOrRenew()).toBe(true); // a writes between b's read and b's update
        };
        expect(await b.tryAcquireOrRenew()).toBe(false);
      },
      'a',
      { leaseTransitions: 1 },
    ],
  ])('%s', async (_n, scenario, expectedHolder, spec) => {
    const leases = new FakeLeases();
    const clock = { now: 1_000_000 };
    const a = replica(leases, 'a', clock).elector;
    const b = replica(leases, 'b', clock).elector;
    await scenario({ leases, clock, a, b });
    expect(leases.lease?.spec?.holderIdentity).toBe(expectedHolder);
    expect(leases.lease?.spec).toMatchObject(spec);
  });
});

describe('leading', () => {
  it('stops leading when it cannot renew within the renew deadline, and never claims to lead meanwhile past it', async () => {
    const leases = new FakeLeases();
    const events: string[] = [];
    const elector = new LeaderElector(leases, FAST, {
      onStartedLeading: () => {
        events.push('started');
        leases.failing = true;
      },
      onStoppedLeading: () => events.push(`stopped (leader: ${elector.isLeader()})`),
      log: (l) => events.push(l),
    });
    expect(await elector.run(new AbortController().signal)).toBe('lost');
    expect(events).toEqual([
      'became the leader (Lease kube-system/l, identity a)',
      'started',
      'could not renew the Lease: HTTP 503: unavailable',
      'could not renew the Lease within 0.2s: no longer the leader',
      'stopped (leader: false)',
    ]);
  });

  it.each<[string, 'read' | 'replace', number | undefined, string]>([
    [
      'a Lease read that never answers is a failed renewal, bounded by the renew deadline',
      'read',
      undefined,
      'could not renew the Lease: reading the Lease kube-system/l: no answer within 0.2s (--leader-elect-renew-deadline)',
    ],
    [
      'a Lease update that never answers is a failed renewal, bounded by the renew deadline',
      'replace',
      0,
      'could not renew the Lease: writing the Lease kube-system/l: no answer within 0.2s (--leader-elect-renew-deadline)',
    ],
    [
      'a shorter --request-timeout bounds each Lease call',
      'replace',
      50,
      'could not renew the Lease: writing the Lease kube-system/l: no answer within 0.05s (--request-timeout)',
    ],
  ])('%s: leading ends, said in one line', async (_n, hanging, requestTimeoutMs, line) => {
    const leases = new FakeLeases();
    const events: string[] = [];
    const elector = new LeaderElector(
      leases,
      { ...FAST, ...(requestTimeoutMs === undefined ? {} : { requestTimeoutMs }) },
      {
        onStartedLeading: () => {
          leases.hanging = hanging;
        },
        onStoppedLeading: () => events.push(`stopped (leader: ${elector.isLeader()})`),
        log: (l) => events.push(l),
      },
    );
    expect(await elector.run(new AbortController().signal)).toBe('lost');
    expect(events.slice(1)).toEqual([
      line,
      expect.stringMatching(/^could not renew the Lease within 0\.2s: no longer the leader$/),
      'stopped (leader: false)',
    ]);
  });

  it('a follower whose Lease read hangs tries again, and leads once the API server answers', async () => {
    const leases = new FakeLeases();
    leases.hanging = 'read';
    const log: string[] = [];
    const stop = new AbortController();
    const elector = new LeaderElector(leases, FAST, {
      onStartedLeading: () => stop.abort(),
      onStoppedLeading: () => {},
      log: (l) => log.push(l),
    });
    const running = elector.run(stop.signal);
    while (log.length === 0) await new Promise((r) => setTimeout(r, 10));
    leases.hanging = undefined;
    expect(await running).toBe('stopped');
    expect(log.slice(0, 2)).toEqual([
      'could not acquire the Lease: reading the Lease kube-system/l: no answer within 0.2s (--leader-elect-renew-deadline)',
      'became the leader (Lease kube-system/l, identity a)',
    ]);
  });

  it('on shutdown releases the Lease as ReleaseOnCancel does: holderIdentity "", leaseDurationSeconds 1', async () => {
    const leases = new FakeLeases();
    const stop = new AbortController();
    const elector = new LeaderElector(leases, FAST, {
      onStartedLeading: () => stop.abort(),
      onStoppedLeading: () => {},
      log: () => {},
    });
    expect(await elector.run(stop.signal)).toBe('stopped');
    expect(leases.lease?.spec).toMatchObject({
      holderIdentity: '',
      leaseDurationSeconds: 1,
      leaseTransitions: 0,
    });
  });
});
