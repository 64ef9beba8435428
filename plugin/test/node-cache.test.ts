import { DEFAULT_OPTIONS, type NodeFacts } from '@kubectl-certs/core';
import { describe, expect, it } from 'vitest';
import type { ReportItem } from '../src/approve/report-item.ts';
import { withNodeCache } from '../src/approve/watch.ts';
import { DEFAULT_TUNING, WatchDecider } from '../src/approve/watch-decider.ts';
import { NODE_CACHE_STALE_MS, NodeCache } from '../src/kube/node-cache.ts';
import { addCsr, FakeCluster, node } from './support/fake-cluster.ts';

const W1 = node('worker-1', '10.0.0.11');

/** A cache on a clock the case moves. */
function cacheAt() {
  const clock = { now: 0 };
  return { cache: new NodeCache(() => clock.now), clock };
}

describe('the Node cache the approver decides from: fail-closed', () => {
  it.each<[string, (c: NodeCache, clock: { now: number }) => void, RegExp | NodeFacts[]]>([
    ['before the first list: not synced', () => {}, /the Node cache is not synced yet/],
    [
      'the first list failed: says why',
      (c) => c.failed('listing Nodes: forbidden: nodes is forbidden'),
      /^listing Nodes: forbidden: nodes is forbidden$/,
    ],
    ['listed: the Nodes', (c) => c.replaceAll([W1]), [W1]],
    [
      'its watch down, but not for long: still the Nodes',
      (c, clock) => {
        c.replaceAll([W1]);
        c.live(false);
        clock.now += NODE_CACHE_STALE_MS;
      },
      [W1],
    ],
    [
      'its watch down for longer: too old to decide from',
      (c, clock) => {
        c.replaceAll([W1]);
        c.live(false);
        clock.now += NODE_CACHE_STALE_MS + 1_000;
      },
      /the watch of Nodes has been down for 31s/,
    ],
    [
      'the watch back: the Nodes again',
      (c, clock) => {
        c.replaceAll([W1]);
        c.live(false);
        clock.now += NODE_CACHE_STALE_MS + 1_000;
        c.live(true);
      },
      [W1],
    ],
  ])('%s', (_name, arrange, expected) => {
    const { cache, clock } = cacheAt();
    arrange(cache, clock);
    if (expected instanceof RegExp) expect(() => cache.list()).toThrow(expected);
    else expect(cache.list()).toEqual(expected);
  });

  it('says which Nodes are new or changed their addresses, and nothing for a change elsewhere', () => {
    const { cache } = cacheAt();
    expect(cache.replaceAll([W1, node('worker-2')])).toEqual(['worker-1', 'worker-2']);
    expect(cache.upsert(node('worker-1', '10.0.0.11'))).toBe(false);
    expect(cache.upsert(node('worker-2', '10.0.0.12'))).toBe(true);
    expect(cache.replaceAll([W1, node('worker-2', '10.0.0.12'), node('worker-3')])).toEqual(['worker-3']);
    cache.remove('worker-3');
    expect(cache.list().map((n) => n.name)).toEqual(['worker-1', 'worker-2']);
  });

  it('gives the same list until a Node changes (core indexes a list once)', () => {
    const { cache } = cacheAt();
    cache.replaceAll([W1]);
    const first = cache.list();
    cache.upsert(node('worker-1', '10.0.0.11'));
    expect(cache.list()).toBe(first);
    cache.upsert(node('worker-1', '10.0.0.99'));
    expect(cache.list()).not.toBe(first);
  });

  it.each([
    ['not synced yet', false],
    ['its watch down too long', true],
  ])(
    'a CSR decided while the cache is %s is undecided: nothing written, even with --deny',
    async (_n, stale) => {
      const cluster = new FakeCluster();
      cluster.nodes = [W1];
      const name = addCsr(cluster, { filer: 'worker-1' });
      const { cache, clock } = cacheAt();
      if (stale) {
        cache.replaceAll([W1]);
        cache.live(false);
        clock.now += NODE_CACHE_STALE_MS + 1_000;
      }
      const rows: ReportItem[] = [];
      const decider = new WatchDecider(withNodeCache(cluster, cache), {
        selection: { names: [], nodes: [], all: true },
        dryRun: false,
        deny: true,
        showIgnored: false,
        options: DEFAULT_OPTIONS,
        timeoutMs: 5_000,
        concurrency: 4,
        tuning: { ...DEFAULT_TUNING, retryBaseMs: 60_000 },
        onItem: (row) => rows.push(row),
        log: () => {},
      });
      await decider.offer([cluster.item(name)]);
      expect(rows).toMatchObject([{ name, decision: 'undecided', action: 'cannot decide now' }]);
      expect(rows[0]?.reason).toMatch(/node-exists: could not list Nodes \(listing Nodes: /);
      expect(cluster.writes).toEqual([]);
      await decider.idle(true);
    },
  );
});
