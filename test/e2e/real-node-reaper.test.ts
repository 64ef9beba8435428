import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SANDBOX_PREFIX } from '../sandbox/cluster.ts';
import { mountsUnder } from '../sandbox/mounts.ts';
import { createNodeNetwork, readNodeNetwork, releaseStaleSlots, SLOTS_DIR } from '../sandbox/node-network.ts';
import { readTracked, reapOrphans, waitFor } from '../sandbox/processes.ts';
import { teardownSandbox } from '../sandbox/teardown.ts';

const sandbox = new URL('../sandbox/', import.meta.url).href;
// A test run that starts a sandbox with a real node running a pod, then is killed (SIGKILL: no
// exit handler runs), leaving its kubelet, containerd, shim, mounts and namespace behind.
const killedRun = `
import { Cluster } from '${sandbox}cluster.ts';
import { RealNode } from '${sandbox}real-node.ts';
import { podImages } from '${sandbox}paths.ts';
import { apiCall } from '${sandbox}api.ts';
const cluster = await Cluster.start();
const node = await RealNode.start(cluster, { name: 'doomed', serverTLSBootstrap: false });
await apiCall(cluster.admin, 'POST', '/api/v1/namespaces/default/pods', {
  apiVersion: 'v1', kind: 'Pod', metadata: { name: 'doomed' },
  spec: { nodeName: 'doomed', hostNetwork: true,
    containers: [{ name: 'pause', image: podImages().pause.ref, imagePullPolicy: 'Never' }] },
});
for (;;) {
  const pod = await apiCall(cluster.admin, 'GET', '/api/v1/namespaces/default/pods/doomed');
  if (pod.status.phase === 'Running') break;
  await new Promise((r) => setTimeout(r, 200));
}
console.log(JSON.stringify({ dir: cluster.dir, node: node.dir }));
setInterval(() => {}, 1000);
`;

/** Running (a zombie waiting for init to reap it is gone for our purpose). */
const alive = (pid: number) => {
  try {
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
};

describe('a sandbox with real nodes left by a killed run', () => {
  it('is reaped by the next run: processes, containers, mounts, namespace, veth and slot all gone', async () => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', killedRun], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    await waitFor('the doomed run to start its pod', async () => out.includes('\n'), {
      timeoutMs: 150_000,
      child,
    });
    const { dir, node } = JSON.parse(out) as { dir: string; node: string };
    const net = readNodeNetwork(node);
    const pids = [...readTracked(dir), ...readTracked(node)].map((t) => t.pid);
    const shims = execFileSync('pgrep', ['-f', `containerd-shim.*${node}/`], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
    const runcRoot = join(node, 'containerd', 'runc', 'k8s.io');
    const containers = (
      JSON.parse(
        execFileSync('runc', ['--root', runcRoot, 'list', '--format', 'json'], { encoding: 'utf8' }),
      ) as {
        pid: number;
      }[]
    ).map((c) => c.pid);
    expect(containers.length).toBeGreaterThan(0);
    expect(net && existsSync(net.netnsPath)).toBe(true);
    expect(shims.length).toBeGreaterThan(0);
    expect(mountsUnder(node).length).toBeGreaterThan(0);

    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(pids.every(alive)).toBe(true); // SIGKILL ran no exit handler: everything was left behind

    // The next run's Cluster.start does this; another test file's may get there first.
    await reapOrphans(tmpdir(), SANDBOX_PREFIX, (d) => teardownSandbox(d, 3_000));
    await waitFor('the sandbox folder to be gone', async () => !existsSync(dir), { timeoutMs: 30_000 });
    const left = () => [...pids, ...shims, ...containers].filter(alive);
    await waitFor('every process to be gone', async () => left().length === 0, { timeoutMs: 10_000 }).catch(
      () => {},
    );
    expect(left()).toEqual([]);
    expect(mountsUnder(dir)).toEqual([]);
    expect(existsSync(net?.netnsPath ?? '')).toBe(false);
    expect(readFileSync('/proc/net/dev', 'utf8')).not.toContain(`${net?.hostVeth}:`);
    expect(existsSync(join(SLOTS_DIR, String(net?.slot)))).toBe(false);
  }, 240_000);
});

describe('a node network whose sandbox folder was deleted without its teardown', () => {
  it('is deleted, and its slot freed, when the next sandbox starts', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kc-stale-node-'));
    const net = createNodeNetwork(dir);
    expect(existsSync(net.netnsPath)).toBe(true);
    rmSync(dir, { recursive: true, force: true });

    releaseStaleSlots(); // Cluster.start calls it (another file's may get there first)
    expect(existsSync(net.netnsPath)).toBe(false);
    expect(readFileSync('/proc/net/dev', 'utf8')).not.toContain(`${net.hostVeth}:`);
    expect(existsSync(join(SLOTS_DIR, String(net.slot)))).toBe(false);
  });
});
