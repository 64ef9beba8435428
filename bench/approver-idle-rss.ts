import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildSea } from '../release/sea.ts';
import { hostTarget } from '../release/targets.ts';
import { apiCall, apiRequest, type Credentials } from '../test/sandbox/api.ts';
import { fileBacklog, waitForAllIssued } from '../test/sandbox/bulk-csr.ts';
import { Cluster } from '../test/sandbox/cluster.ts';
import { addNode, type NodeIdentity } from '../test/sandbox/node-identity.ts';
import { type Benchmark, median } from './harness.ts';

const IDENTITIES = 50; // node identities filing the CSRs (100 each)
const PER_NODE = 100;
const NODES = 5_000; // Node objects in all
const CSRS = '/apis/certificates.k8s.io/v1/certificatesigningrequests';
const SETTLE_MS = 15_000;

/** `count` calls of `job`, 16 at a time. */
async function pool(count: number, job: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) await job(i);
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}

/** A Node object as the admin would see one: name, labels, addresses, capacity and node info. */
async function createNode(admin: Credentials, i: number): Promise<void> {
  const name = `idle-${i}`;
  await apiCall(admin, 'POST', '/api/v1/nodes', {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64' },
    },
  });
  const status = {
    addresses: [
      { type: 'InternalIP', address: `10.${Math.floor(i / 250)}.${i % 250}.10` },
      { type: 'Hostname', address: name },
    ],
    capacity: { cpu: '4', memory: '16331260Ki', pods: '110' },
    allocatable: { cpu: '4', memory: '16228860Ki', pods: '110' },
    daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
    nodeInfo: {
      machineID: `${i}`.padStart(32, '0'),
      systemUUID: `${i}`.padStart(32, '0'),
      bootID: `${i}`.padStart(32, '0'),
      kernelVersion: '6.1.0-28-amd64',
      osImage: 'Debian GNU/Linux 12 (bookworm)',
      containerRuntimeVersion: 'containerd://1.6.20',
      kubeletVersion: 'v1.30.0',
      kubeProxyVersion: 'v1.30.0',
      operatingSystem: 'linux',
      architecture: 'amd64',
    },
  };
  const r = await apiRequest(
    admin,
    'PATCH',
    `/api/v1/nodes/${name}/status`,
    { status },
    'application/merge-patch+json',
  );
  if (r.status !== 200) throw new Error(`PATCH nodes/${name}/status: HTTP ${r.status}`);
}

function rssMb(pid: number): number {
  const kb = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/)?.[1];
  return Number(kb) / 1024;
}

/** Median RSS of a process over 5 s (one sample every 500 ms), once it has settled. */
async function settledRss(p: ChildProcess): Promise<number> {
  await sleep(SETTLE_MS);
  const samples: number[] = [];
  for (let i = 0; i < 10; i++) {
    if (p.exitCode !== null) throw new Error('the process exited before its RSS was read');
    samples.push(rssMb(p.pid as number));
    await sleep(500);
  }
  return median(samples);
}

/** Starts a process and waits until its stderr says `ready`. */
async function started(cmd: string, args: string[], env: NodeJS.ProcessEnv, ready: string) {
  const p = spawn(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  p.stderr?.on('data', (d) => (stderr += d));
  const deadline = performance.now() + 120_000;
  while (!stderr.includes(ready)) {
    if (p.exitCode !== null) throw new Error(`${cmd} exited: ${stderr.slice(-500)}`);
    if (performance.now() > deadline)
      throw new Error(`${cmd}: no "${ready}" in 120 s: ${stderr.slice(-500)}`);
    await sleep(100);
  }
  return p;
}

/**
 * The floor: a bare Node process that lists the same Nodes and CSRs over HTTPS (no client
 * library), keeps the parsed objects, and idles.
 */
const HOLDER = `
const https = require('node:https');
const c = JSON.parse(process.env.BENCH_CREDS);
const get = (path) => new Promise((resolve, reject) => {
  https.get(new URL(path, c.server), { ca: c.ca, cert: c.cert, key: c.key }, (res) => {
    const chunks = [];
    res.on('data', (d) => chunks.push(d));
    res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString())));
  }).on('error', reject);
});
Promise.all([get('/api/v1/nodes'), get('${CSRS}')]).then(([n, r]) => {
  globalThis.held = [n.items, r.items];
  process.stderr.write('ready ' + n.items.length + ' nodes ' + r.items.length + ' csrs\\n');
  setInterval(() => {}, 1 << 30);
});
`;

/** How a CLI is started: the npm package's launcher on Node, or the single executable. */
type Cli = [cmd: string, ...args: string[]];
const NPM: Cli = [process.execPath, new URL('../plugin/bin/kubectl-certs.js', import.meta.url).pathname];

/** Settled RSS of one `approver run` (it leads: the only replica), stopped afterwards. */
async function approverRss(procs: ChildProcess[], env: NodeJS.ProcessEnv, cli: Cli): Promise<number> {
  const [cmd, ...args] = cli;
  const p = await started(
    cmd,
    [...args, 'approver', 'run', '--bind-address', '127.0.0.1:0', '--kubelet-probe-interval', '0'],
    env,
    'watching kubelet-serving CSRs from resourceVersion',
  );
  procs.push(p);
  const rss = await settledRss(p);
  p.kill('SIGTERM');
  await new Promise((r) => (p.exitCode !== null ? r(undefined) : p.once('exit', r)));
  return rss;
}

async function holderRss(procs: ChildProcess[], admin: Credentials): Promise<number> {
  const p = await started(
    process.execPath,
    ['-e', HOLDER],
    { ...process.env, BENCH_CREDS: JSON.stringify(admin) },
    'ready',
  );
  procs.push(p);
  const rss = await settledRss(p);
  p.kill('SIGKILL');
  return rss;
}

async function nodeIdleRss(procs: ChildProcess[]): Promise<number> {
  const p = await started(
    process.execPath,
    ['-e', 'process.stderr.write("ready\\n"); setInterval(() => {}, 1 << 30);'],
    process.env,
    'ready',
  );
  procs.push(p);
  const rss = await settledRss(p);
  p.kill('SIGKILL');
  return rss;
}

/**
 * Idle RSS of `approver run` leading with 5,000 Nodes and 5,000 CSRs (approved and issued) known,
 * after it has synced and settled, against a bare process holding the same listed objects; from
 * the npm package on Node and from the linux-amd64 single executable (what the container image
 * runs, built as release-size and cold-start build it).
 */
export const approverIdleRss: Benchmark = {
  name: 'approver-idle-rss',
  title: 'approver run: idle memory with 5,000 Nodes and 5,000 CSRs known',
  async run(log) {
    const host = hostTarget();
    if (!host) throw new Error(`no single executable is built for ${process.platform}-${process.arch}`);
    log('building (or taking from the cache) the single executable');
    const sea: Cli = [await buildSea(host)];
    const cluster = await Cluster.start();
    const procs: ChildProcess[] = [];
    try {
      const env = { ...process.env, KUBECONFIG: cluster.adminKubeconfig };
      const empty = {
        ours: await approverRss(procs, env, NPM),
        sea: await approverRss(procs, env, sea),
        node: await nodeIdleRss(procs),
      };
      log(
        `empty cluster: approver run ${empty.ours.toFixed(1)} MB, single executable ${empty.sea.toFixed(1)} MB, node -e ${empty.node.toFixed(1)} MB`,
      );
      const identities: NodeIdentity[] = [];
      for (let i = 0; i < IDENTITIES; i++)
        identities.push(
          await addNode(cluster, `rss-${i}`, { ip: `127.4.${Math.floor(i / 200)}.${(i % 200) + 2}` }),
        );
      await pool(NODES - IDENTITIES, (i) => createNode(cluster.admin, i));
      log(`${NODES} Nodes created; filing ${IDENTITIES * PER_NODE} CSRs`);
      const names = await fileBacklog(identities, PER_NODE);
      const list = await apiCall<{ items: { metadata: { name: string } }[] }>(cluster.admin, 'GET', CSRS);
      await pool(list.items.length, async (i) => {
        const o = list.items[i] as { metadata: { name: string } };
        const body = {
          ...o,
          status: { conditions: [{ type: 'Approved', status: 'True', reason: 'Bench', message: 'bench' }] },
        };
        await apiCall(cluster.admin, 'PUT', `${CSRS}/${o.metadata.name}/approval`, body);
      });
      await waitForAllIssued(cluster.admin, names);
      log('every CSR approved and issued');
      // Interleaved, twice each: the approver from npm, from the executable, then the bare holder, on the same objects.
      const ours: number[] = [];
      const seaRss: number[] = [];
      const floor: number[] = [];
      for (let round = 0; round < 2; round++) {
        ours.push(await approverRss(procs, env, NPM));
        seaRss.push(await approverRss(procs, env, sea));
        floor.push(await holderRss(procs, cluster.admin));
        log(
          `round ${round + 1}: approver run ${ours.at(-1)?.toFixed(1)} MB, single executable ${seaRss.at(-1)?.toFixed(1)} MB, bare holder ${floor.at(-1)?.toFixed(1)} MB`,
        );
      }
      return [
        {
          what: 'RSS of `approver run` on an empty cluster (leader, synced, idle)',
          figure: empty.ours,
          peer: '`node -e` idle',
          peerFigure: empty.node,
          unit: 'MB',
        },
        {
          what: "RSS of the single executable (linux-amd64, the image's) `approver run` on an empty cluster (leader, synced, idle)",
          figure: empty.sea,
          peer: '`node -e` idle',
          peerFigure: empty.node,
          unit: 'MB',
        },
        {
          what: 'RSS of `approver run` with 5,000 Nodes and 5,000 CSRs known (leader, synced, idle)',
          figure: median(ours),
          peer: 'bare `node` holding the same listed Nodes and CSRs',
          peerFigure: median(floor),
          unit: 'MB',
          target: '< 150 MB',
        },
        {
          what: "RSS of the single executable (linux-amd64, the image's) `approver run` with 5,000 Nodes and 5,000 CSRs known (leader, synced, idle)",
          figure: median(seaRss),
          peer: 'bare `node` holding the same listed Nodes and CSRs',
          peerFigure: median(floor),
          unit: 'MB',
          target: '< 150 MB',
        },
      ];
    } finally {
      for (const p of procs) p.kill('SIGKILL');
      await cluster.stop();
    }
  },
};
