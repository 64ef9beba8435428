import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { startFaultProxy } from '../sandbox/fault-proxy.ts';
import { followingServingSecret } from '../sandbox/metrics-server-stage.ts';
import { sharedCluster } from './shared-cluster.ts';

// The harness's own promise: followingServingSecret (the stand-in following the serving Secret
// while --apply runs) fails clearly when the API server goes away, not with an unhandled rejection,
// and leaves no timer behind. The API server is the shared sandbox's, reached through a proxy that
// is stopped half-way (its port then refuses connections, as an API server gone does).
const cluster = sharedCluster();
const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
let stopProxy: (() => Promise<void>) | undefined;
afterEach(() => stopProxy?.());

describe('following the serving Secret while --apply runs', () => {
  it('the API server gone half-way: the run is told, then it fails with the last read error, no timer left', async () => {
    let passed = 0;
    const proxy = await startFaultProxy(cluster, () => {
      passed++;
      return false;
    });
    stopProxy = () => proxy.stop();
    const before = timers();
    const served: string[] = [];
    const following = followingServingSecret(
      { admin: proxy.creds },
      { setServing: (s) => served.push(s.cert) },
      async (followingFailed) => {
        // The API server answers the first reads (no Secret yet: 404), then goes away.
        while (passed < 2) await sleep(50);
        await proxy.stop();
        await new Promise((resolve) => followingFailed.addEventListener('abort', resolve));
        return 'the run ended';
      },
    );
    await expect(following).rejects.toThrow(
      /^following the serving Secret kube-system\/metrics-server-tls: 5 reads in a row failed, the last: connect ECONNREFUSED 127\.0\.0\.1:\d+$/,
    );
    expect(served).toEqual([]);
    expect(timers()).toBeLessThanOrEqual(before);
  });

  it("the run's own failure is its own when following went well", async () => {
    const proxy = await startFaultProxy(cluster, () => false);
    stopProxy = () => proxy.stop();
    await expect(
      followingServingSecret({ admin: proxy.creds }, { setServing: () => {} }, async () => {
        throw new Error('--apply failed');
      }),
    ).rejects.toThrow(/^--apply failed$/);
  });
});
