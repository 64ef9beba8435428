import { type ChildProcess, spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCall } from '../sandbox/api.ts';
import { Cluster } from '../sandbox/cluster.ts';
import { addNode } from '../sandbox/node-identity.ts';
import { fileServingCsr, waitForIssued } from '../sandbox/serving-csr.ts';
import { CLI } from './cli.ts';

// This file restarts kube-apiserver, so it runs on a cluster of its own.
let cluster: Cluster;
let watcher: ChildProcess;
let stdout = '';
let stderr = '';

beforeAll(async () => {
  cluster = await Cluster.start();
});
afterAll(async () => {
  watcher?.kill('SIGKILL');
  await cluster?.stop();
});

async function until(what: string, cond: () => boolean, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}\nstdout:\n${stdout}\nstderr:\n${stderr}`);
    await sleep(50);
  }
}

describe('approve-serving --watch', () => {
  it('decides CSRs created after it started, survives an apiserver restart (410 Gone: lists again), decides none twice, and stops on SIGTERM', async () => {
    const early = await addNode(cluster, 'early');
    const before = await fileServingCsr(cluster, early);
    watcher = spawn(
      process.execPath,
      [CLI, 'approve-serving', '--watch', '--all', '--request-timeout', '5s'],
      {
        env: { PATH: process.env.PATH, HOME: '/nonexistent', KUBECONFIG: cluster.adminKubeconfig },
      },
    );
    watcher.stdout?.on('data', (d) => (stdout += d));
    watcher.stderr?.on('data', (d) => (stderr += d));
    await until('the watch to start', () =>
      stderr.includes('watching kubelet-serving CSRs from resourceVersion'),
    );
    await waitForIssued(cluster, before.name); // the backlog found by the first list

    const late = await addNode(cluster, 'late');
    const after = await fileServingCsr(cluster, late);
    await waitForIssued(cluster, after.name);
    await until('the row of the late CSR', () => stdout.includes(after.name));

    // Two writes after the last CSR event: the restarted API server's watch cache then starts past
    // the watcher's resourceVersion, and answers its watch with 410 Gone.
    for (const name of ['bump-1', 'bump-2'])
      await apiCall(cluster.admin, 'POST', '/api/v1/namespaces/default/configmaps', {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name },
      });
    await cluster.restartApiserver();
    const third = await addNode(cluster, 'after-restart');
    const forged = await fileServingCsr(cluster, third, { forNode: { name: 'early', ip: early.ip } });
    const honest = await fileServingCsr(cluster, third);
    await waitForIssued(cluster, honest.name, 60_000);
    await until('the forged CSR refused', () => stdout.includes(forged.name));
    expect(stderr).toContain('connection to the API server lost');
    expect(stderr).toContain('resourceVersion too old (410 Gone): listing again');

    // The rows may reach us after the API server shows the certificates: wait for each, then count.
    for (const name of [before.name, after.name, honest.name])
      await until(`the row of ${name}`, () => stdout.includes(name));
    for (const name of [before.name, after.name, honest.name, forged.name]) {
      expect(stdout.split(name).length - 1, `${name} decided once`).toBe(1);
    }
    expect(stdout).toMatch(
      new RegExp(`${forged.name}.*Refused \\(left Pending\\)\\s+subject: subject CN "system:node:early"`),
    );
    expect(stdout.split('\n')[0]).toMatch(/^NAME\s+NODE\s+AGE\s+SANS\s+DECISION\s+REASON$/);

    const exited = new Promise<number | null>((r) => watcher.on('exit', (code) => r(code)));
    watcher.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).toMatch(/SIGTERM: stopping\nstopped\n$/);
  });
});
