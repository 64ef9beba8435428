import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_OPTIONS, type DnsAnswer, type NodeFacts } from '@kubectl-certs/core';
import { describe, expect, it } from 'vitest';
import { decideBatches } from '../src/approve/approve-serving.ts';
import { exitCode } from '../src/approve/report.ts';
import type { ReportItem } from '../src/approve/report-item.ts';
import type { ApproveSettings } from '../src/approve/settings.ts';
import { DEFAULT_TUNING, WatchDecider, type WatchTuning } from '../src/approve/watch-decider.ts';
import { UserError } from '../src/user-error.ts';
import { addCsr, apiError, FakeCluster, node } from './support/fake-cluster.ts';

const settings = (over: Partial<ApproveSettings> = {}): ApproveSettings => ({
  selection: { names: [], nodes: [], all: true },
  dryRun: false,
  deny: false,
  showIgnored: false,
  options: DEFAULT_OPTIONS,
  timeoutMs: 5_000,
  concurrency: 4,
  ...over,
});

interface Case {
  /** The Nodes the fake API server lists. */
  nodes?: NodeFacts[];
  /** The CSR, filed by worker-1 unless said otherwise. */
  csr?: { cn?: string; sans?: string[]; ext?: string[] };
  flags?: Partial<ApproveSettings>;
  dns?: Record<string, DnsAnswer>;
  /** Sets up faults and races on the fake before the run. */
  arrange?: (c: FakeCluster, name: string) => void;
  expected: Partial<ReportItem>;
  /** Conditions written through the approval subresource. */
  writes: string[];
  exit: number;
}

const W1 = node('worker-1', '10.0.0.11');
const cases: [string, Case][] = [
  [
    'approves an honest CSR and writes Approved',
    { expected: { decision: 'approve', action: 'approved' }, writes: ['Approved'], exit: 0 },
  ],
  [
    'refuses a CN forged for another node and leaves it Pending',
    {
      csr: { cn: 'worker-9' },
      expected: { decision: 'refuse', action: 'left pending' },
      writes: [],
      exit: 3,
    },
  ],
  [
    'with --deny marks a refused CSR Denied',
    {
      csr: { cn: 'worker-9' },
      flags: { deny: true },
      expected: { decision: 'refuse', action: 'denied' },
      writes: ['Denied'],
      exit: 3,
    },
  ],
  [
    'refuses a request for basicConstraints CA:TRUE, naming the OID',
    {
      csr: { ext: ['basicConstraints = critical,CA:TRUE'] },
      expected: {
        decision: 'refuse',
        action: 'left pending',
        reason:
          'extensions: the request asks for an extension a kubelet never requests: 2.5.29.19 (basicConstraints)',
      },
      writes: [],
      exit: 3,
    },
  ],
  [
    '--dry-run approves nothing',
    {
      flags: { dryRun: true },
      expected: { decision: 'approve', action: 'would approve' },
      writes: [],
      exit: 0,
    },
  ],
  [
    '--dry-run --deny denies nothing',
    {
      csr: { cn: 'worker-9' },
      flags: { dryRun: true, deny: true },
      expected: { decision: 'refuse', action: 'would deny' },
      writes: [],
      exit: 3,
    },
  ],
  [
    'on a 409 (approved meanwhile by someone else) re-reads the CSR and leaves it alone',
    {
      arrange: (c, name) => {
        c.beforeWrite = (n) => n === name && c.decideElsewhere(name, 'Approved');
      },
      expected: {
        decision: 'ignore',
        action: 'none',
        reason: 'changed by someone else meanwhile: already Approved: nothing to decide',
      },
      writes: [],
      exit: 0,
    },
  ],
  [
    'on a 409 then a 404 (deleted meanwhile) says so in its row',
    {
      arrange: (c, name) => {
        c.faults.replaceApproval.push(apiError(409, 'the object has been modified'));
        c.faults.readCsr.push(() => {
          c.csrs.delete(name);
          return undefined;
        });
      },
      expected: {
        decision: 'ignore',
        action: 'deleted meanwhile',
        reason: 'deleted by someone else meanwhile: nothing to decide',
      },
      writes: [],
      exit: 0,
    },
  ],
  [
    'on a 409, retries a re-read that got a 503, then writes',
    {
      arrange: (c) => {
        c.faults.replaceApproval.push(apiError(409, 'the object has been modified'));
        c.faults.readCsr.push(apiError(503, 'etcdserver: leader changed'));
      },
      expected: { decision: 'approve', action: 'approved' },
      writes: ['Approved'],
      exit: 0,
    },
  ],
  [
    'cannot decide when listing Nodes gets a 503: nothing written, even with --deny',
    {
      flags: { deny: true },
      arrange: (c) => c.faults.listNodes.push(apiError(503, 'etcdserver: request timed out')),
      expected: {
        decision: 'undecided',
        action: 'cannot decide now',
        reason:
          'cannot decide now: node-exists: could not list Nodes (listing Nodes: HTTP 503: etcdserver: request timed out)',
      },
      writes: [],
      exit: 4,
    },
  ],
  [
    'denies with --deny a forged CN even when listing Nodes got a 503 (that failure needs no Nodes)',
    {
      csr: { cn: 'worker-9', sans: ['DNS:worker-1', 'IP:10.0.0.99'] },
      flags: { deny: true },
      arrange: (c) => c.faults.listNodes.push(apiError(503, 'etcdserver: request timed out')),
      expected: { decision: 'refuse' },
      writes: ['Denied'],
      exit: 3,
    },
  ],
  [
    'cannot decide when listing Nodes is forbidden (403): an honest CSR is not denied with --deny',
    {
      flags: { deny: true },
      arrange: (c) => c.faults.listNodes.push(apiError(403, 'nodes is forbidden: User "x" cannot list')),
      expected: {
        decision: 'undecided',
        action: 'cannot decide now',
        reason:
          'cannot decide now: node-exists: could not list Nodes (listing Nodes: forbidden: nodes is forbidden: User "x" cannot list)',
      },
      writes: [],
      exit: 4,
    },
  ],
  [
    'cannot decide when listing Nodes times out: nothing written, even with --deny',
    {
      flags: { deny: true },
      arrange: (c) =>
        c.faults.listNodes.push(new UserError('listing Nodes: no answer within 5s (--request-timeout)')),
      expected: {
        decision: 'undecided',
        action: 'cannot decide now',
        reason:
          'cannot decide now: node-exists: could not list Nodes (listing Nodes: no answer within 5s (--request-timeout))',
      },
      writes: [],
      exit: 4,
    },
  ],
  [
    '--resolve-dns approves a name resolving only to the node',
    {
      flags: { options: { ...DEFAULT_OPTIONS, resolveDns: true } },
      dns: { 'worker-1': { addresses: ['10.0.0.11'] } },
      expected: { decision: 'approve', action: 'approved' },
      writes: ['Approved'],
      exit: 0,
    },
  ],
  [
    '--resolve-dns refuses a name that does not exist (NXDOMAIN is an answer)',
    {
      flags: { options: { ...DEFAULT_OPTIONS, resolveDns: true }, deny: true },
      dns: { 'worker-1': { error: 'ENOTFOUND' } },
      expected: { decision: 'refuse', action: 'denied' },
      writes: ['Denied'],
      exit: 3,
    },
  ],
  [
    '--resolve-dns cannot decide when the resolver does not answer: nothing written, even with --deny',
    {
      flags: { options: { ...DEFAULT_OPTIONS, resolveDns: true }, deny: true },
      dns: { 'worker-1': { unavailable: 'ETIMEOUT' } },
      expected: {
        decision: 'undecided',
        action: 'cannot decide now',
        reason: 'cannot decide now: dns-resolution: DNS SAN worker-1 could not be looked up: ETIMEOUT',
      },
      writes: [],
      exit: 4,
    },
  ],
];

describe('approve-serving writes exactly what its decision says (fake API server)', () => {
  it.each(cases)('%s', async (_name, c) => {
    const cluster = new FakeCluster();
    cluster.nodes = c.nodes ?? [W1];
    for (const [n, a] of Object.entries(c.dns ?? {})) cluster.dns.set(n, a);
    const name = addCsr(cluster, { filer: 'worker-1', ...c.csr });
    c.arrange?.(cluster, name);
    const rows = await decideBatches(cluster, [[cluster.item(name)]], false, settings(c.flags));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ name, ...c.expected });
    expect(cluster.writes.map((w) => w.type)).toEqual(c.writes);
    expect(exitCode(rows)).toBe(c.exit);
  });
});

/** Polls (no timing is asserted) until `cond` holds. */
async function until(what: string, cond: () => boolean): Promise<void> {
  for (let i = 0; i < 2_000 && !cond(); i++) await sleep(5);
  if (!cond()) throw new Error(`never happened: ${what}`);
}

function watching(
  cluster: FakeCluster,
  over: Partial<ApproveSettings> = {},
  tuning: Partial<WatchTuning> = {},
) {
  const rows: ReportItem[] = [];
  const log: string[] = [];
  const decider = new WatchDecider(cluster, {
    ...settings(over),
    tuning: { ...DEFAULT_TUNING, retryBaseMs: 1, retryMaxMs: 4, ...tuning },
    onItem: (row) => rows.push(row),
    log: (l) => log.push(l),
  });
  return { decider, rows, log };
}

describe('approve-serving --watch (fake API server)', () => {
  it('passes DNS answers with --resolve-dns, so an honest DNS SAN is approved', async () => {
    const cluster = new FakeCluster();
    cluster.nodes = [W1];
    cluster.dns.set('worker-1', { addresses: ['10.0.0.11'] });
    const name = addCsr(cluster, { filer: 'worker-1' });
    const { decider, rows } = watching(cluster, { options: { ...DEFAULT_OPTIONS, resolveDns: true } });
    await decider.offer([cluster.item(name)]);
    expect(rows).toMatchObject([{ name, decision: 'approve', action: 'approved' }]);
    expect(cluster.writes.map((w) => w.type)).toEqual(['Approved']);
    await decider.idle(true);
  });

  it('one item whose write throws does not stop the others, and is written when asked again', async () => {
    const cluster = new FakeCluster();
    cluster.nodes = [W1, node('worker-2', '10.0.0.12')];
    const a = addCsr(cluster, { filer: 'worker-1' });
    const b = addCsr(cluster, { filer: 'worker-2' });
    cluster.beforeWrite = (n) => {
      if (n === a && cluster.writes.length === 0 && !cluster.faults.replaceApproval.length)
        cluster.faults.replaceApproval.push(new TypeError('fetch failed'));
      cluster.beforeWrite = undefined;
    };
    const { decider, rows } = watching(cluster);
    await decider.offer([cluster.item(a), cluster.item(b)]);
    expect(rows.map((r) => [r.name, r.action])).toEqual([
      [a, 'error'],
      [b, 'approved'],
    ]);
    await until('the failed write tried again', () => cluster.writes.length === 2);
    expect(cluster.writes.map((w) => [w.name, w.type])).toEqual([
      [b, 'Approved'],
      [a, 'Approved'],
    ]);
    await decider.idle(true);
  });

  it('asks again with backoff while it cannot decide, and never denies meanwhile', async () => {
    const cluster = new FakeCluster();
    cluster.nodes = [W1];
    cluster.faults.listNodes.push(apiError(503, 'unavailable'), apiError(403, 'forbidden'));
    const name = addCsr(cluster, { filer: 'worker-1' });
    const { decider, rows, log } = watching(cluster, { deny: true });
    await decider.offer([cluster.item(name)]);
    await until('approved after two undecided attempts', () => rows.length === 3);
    expect(rows.map((r) => r.action)).toEqual(['cannot decide now', 'cannot decide now', 'approved']);
    expect(cluster.writes.map((w) => w.type)).toEqual(['Approved']);
    expect(log.filter((l) => l.startsWith(`${name}: asking again in`))).toHaveLength(2);
    await decider.idle(true);
  });

  it('evaluates a CSR refused before its Node existed again when the Node appears', async () => {
    const cluster = new FakeCluster();
    cluster.nodes = [];
    const name = addCsr(cluster, { filer: 'worker-1', sans: ['DNS:worker-1', 'IP:10.0.0.11'] });
    const { decider, rows } = watching(cluster, { deny: true });
    await decider.offer([cluster.item(name)]);
    expect(rows).toMatchObject([{ decision: 'refuse', action: 'left pending' }]);
    expect(decider.counts()['awaiting-node']).toBe(1);
    cluster.nodes = [node('worker-1')]; // registered, no InternalIP yet
    await decider.nodeChanged('worker-1');
    cluster.nodes = [W1];
    await decider.nodeChanged('worker-1');
    expect(rows.map((r) => r.action)).toEqual(['left pending', 'left pending', 'approved']);
    expect(cluster.writes.map((w) => w.type)).toEqual(['Approved']);
    await decider.idle(true);
  });

  it.each<[string, Partial<WatchTuning>, (d: WatchDecider) => Promise<void>]>([
    [
      'after --recheck-max re-evaluations',
      { recheckMax: 2 },
      async (d) => {
        await d.nodeChanged('worker-1');
        await d.nodeChanged('worker-1');
      },
    ],
    ['once --recheck-window has passed', { recheckWindowMs: 20 }, async () => {}],
  ])('a refusal waiting for its Node is final (denied with --deny) %s', async (_n, tuning, drive) => {
    const cluster = new FakeCluster();
    cluster.nodes = [node('worker-1', '10.0.0.77')];
    const name = addCsr(cluster, { filer: 'worker-1', sans: ['IP:10.0.0.11'] });
    const { decider, rows } = watching(cluster, { deny: true }, tuning);
    await decider.offer([cluster.item(name)]);
    await drive(decider);
    await until('denied', () => cluster.writes.length === 1);
    expect(cluster.writes).toMatchObject([{ name, type: 'Denied' }]);
    expect(rows.at(-1)).toMatchObject({ action: 'denied' });
    expect(decider.counts().done).toBe(1);
    await decider.idle(true);
  });

  it('denies at once with --deny a refusal no Node change could mend (a forged CN)', async () => {
    const cluster = new FakeCluster();
    cluster.nodes = [W1];
    const name = addCsr(cluster, { filer: 'worker-1', cn: 'worker-9' });
    const { decider, rows } = watching(cluster, { deny: true });
    await decider.offer([cluster.item(name)]);
    expect(rows).toMatchObject([{ action: 'denied' }]);
    expect(decider.counts()).toMatchObject({ done: 1, 'awaiting-node': 0 });
    await decider.idle(true);
  });

  it('counts a burst as busy until two approvals were not written within the quiet window; a lone one is no burst', async () => {
    const cluster = new FakeCluster();
    cluster.nodes = [W1, node('worker-2', '10.0.0.12')];
    const a = addCsr(cluster, { filer: 'worker-1' });
    const b = addCsr(cluster, { filer: 'worker-2' });
    let now = 1_000;
    const decider = new WatchDecider(
      cluster,
      { ...settings(), tuning: DEFAULT_TUNING, onItem: () => {}, log: () => {} },
      () => now,
    );
    await decider.offer([cluster.item(a)]);
    expect([decider.busy(), decider.busy(500)]).toEqual([false, false]);
    now += 100;
    await decider.offer([cluster.item(b)]);
    now += 399;
    expect([decider.busy(), decider.busy(500)]).toEqual([false, true]);
    now += 1;
    expect(decider.busy(500)).toBe(false);
    await decider.idle(true);
  });

  it('decides a CSR once: the watch event of its own write, or of a decision elsewhere, settles it', async () => {
    const cluster = new FakeCluster();
    cluster.nodes = [W1];
    const name = addCsr(cluster, { filer: 'worker-1' });
    const { decider, rows } = watching(cluster);
    await decider.offer([cluster.item(name)]);
    await decider.offer([cluster.item(name)]);
    expect(rows).toHaveLength(1);
    expect(cluster.writes).toHaveLength(1);
    await decider.idle(true);
  });
});
