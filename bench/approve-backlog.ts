import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, dirname } from 'node:path';
import { apiCall, apiRequest } from '../test/sandbox/api.ts';
import { fileBacklog, waitForAllIssued } from '../test/sandbox/bulk-csr.ts';
import { Cluster } from '../test/sandbox/cluster.ts';
import { addNode, type NodeIdentity } from '../test/sandbox/node-identity.ts';
import type { Benchmark } from './harness.ts';

const NODES = 50;
const PER_NODE = 100; // 5,000 CSRs per backlog

interface Run {
  ms: number;
  maxRssKb?: number;
  stdout: string;
}

/** Wall time and, through GNU time when installed, peak RSS of one command. */
function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv): Run {
  const gnuTime = existsSync('/usr/bin/time');
  const t0 = performance.now();
  const r = gnuTime
    ? spawnSync('/usr/bin/time', ['-f', 'MAXRSS %M', cmd, ...args], {
        env,
        encoding: 'utf8',
        maxBuffer: 1 << 30,
      })
    : spawnSync(cmd, args, { env, encoding: 'utf8', maxBuffer: 1 << 30 });
  const ms = performance.now() - t0;
  const rss = r.stderr.match(/MAXRSS (\d+)/)?.[1];
  if (r.status !== 0) throw new Error(`${cmd} failed (exit ${r.status}): ${r.stderr.slice(-500)}`);
  return { ms, stdout: r.stdout, ...(rss ? { maxRssKb: Number(rss) } : {}) };
}

const CSRS = '/apis/certificates.k8s.io/v1/certificatesigningrequests';
const CONCURRENCY = 8; // approve-serving's --concurrency default, for both

interface Backlog {
  cluster: Cluster;
  nodes: NodeIdentity[];
  env: NodeJS.ProcessEnv;
}

/** A fresh sandbox with NODES node identities; `measure` runs on it, then it is stopped. */
async function withNodes<T>(log: (l: string) => void, measure: (b: Backlog) => Promise<T>): Promise<T> {
  const cluster = await Cluster.start();
  try {
    const env = {
      ...process.env,
      KUBECONFIG: cluster.adminKubeconfig,
      PATH: [dirname(process.execPath), process.env.PATH].join(delimiter),
    };
    const nodes: NodeIdentity[] = [];
    for (let i = 0; i < NODES; i++)
      nodes.push(
        await addNode(cluster, `bench-${i}`, { ip: `127.1.${Math.floor(i / 200)}.${(i % 200) + 2}` }),
      );
    log(`${NODES} nodes registered`);
    return await measure({ cluster, nodes, env });
  } finally {
    await cluster.stop();
  }
}

/** Files a backlog and runs `approve-serving --all` on it; checks that it approved every one. */
async function approveServing(b: Backlog, log: (l: string) => void): Promise<Run & { names: string[] }> {
  log(`filing ${NODES * PER_NODE} CSRs for approve-serving`);
  const t = performance.now();
  const names = await fileBacklog(b.nodes, PER_NODE);
  log(`filed in ${((performance.now() - t) / 1000).toFixed(1)} s; running approve-serving --all`);
  const cli = new URL('../plugin/bin/kubectl-certs.js', import.meta.url).pathname;
  const ours = timed(process.execPath, [cli, 'approve-serving', '--all', '-o', 'json'], b.env);
  const approved = (JSON.parse(ours.stdout) as { items: { action: string }[] }).items.filter(
    (i) => i.action === 'approved',
  ).length;
  if (approved !== NODES * PER_NODE)
    throw new Error(`approve-serving approved ${approved} CSRs, expected ${NODES * PER_NODE}`);
  log(`approve-serving: ${(ours.ms / 1000).toFixed(1)} s; waiting until the signer has issued them all`);
  await waitForAllIssued(b.cluster.admin, names);
  return { ...ours, names };
}

/**
 * The floor: list the CSRs once, then PUT Approved on each of the backlog's CSRs, CONCURRENCY at a
 * time, checking nothing (in this process: no process start, no client library).
 */
async function bareApprovalLoop(b: Backlog, names: readonly string[]): Promise<number> {
  const t0 = performance.now();
  const want = new Set(names);
  const list = await apiCall<{ items: { metadata: { name: string } }[] }>(b.cluster.admin, 'GET', CSRS);
  const todo = list.items.filter((o) => want.has(o.metadata.name));
  if (todo.length !== names.length) throw new Error(`listed ${todo.length} of ${names.length} CSRs`);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < todo.length; i = next++) {
      const o = todo[i] as { metadata: { name: string } };
      const body = {
        ...o,
        status: { conditions: [{ type: 'Approved', status: 'True', reason: 'Floor', message: 'no checks' }] },
      };
      for (let attempt = 1; ; attempt++) {
        const r = await apiRequest(b.cluster.admin, 'PUT', `${CSRS}/${o.metadata.name}/approval`, body);
        if (r.status === 200) break;
        if (attempt >= 8) throw new Error(`floor: PUT ${o.metadata.name}/approval: HTTP ${r.status}`);
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return performance.now() - t0;
}

/**
 * 5,000 pending honest CSRs from 50 node identities on the sandbox: `approve-serving --all` (which
 * checks each one) against the floor: a bare loop of approval PUTs over a fresh backlog of the same
 * requests, with the same concurrency and no checks.
 */
export const approveBacklog: Benchmark = {
  name: 'approve-backlog',
  title: 'Approving a backlog of 5,000 kubelet-serving CSRs on the sandbox',
  async run(log) {
    return withNodes(log, async (b) => {
      const ours = await approveServing(b, log);
      log('filing a fresh backlog for the bare approval loop');
      const names = await fileBacklog(b.nodes, PER_NODE);
      const floorMs = await bareApprovalLoop(b, names);
      log(`bare approval loop: ${(floorMs / 1000).toFixed(1)} s`);
      return [
        {
          what: '`approve-serving --all`, 5,000 CSRs (wall, process start included)',
          figure: ours.ms / 1000,
          peer: `bare approval loop (${CONCURRENCY} PUTs at a time, no checks)`,
          peerFigure: floorMs / 1000,
          unit: 's',
          target: '<= 1.3x',
        },
      ];
    });
  },
};

/**
 * The same backlog: `approve-serving --all` against `kubectl certificate approve <the names>` (which
 * checks nothing and writes one at a time: about half an hour), and both peak RSS.
 */
export const approveBacklogKubectl: Benchmark = {
  name: 'approve-backlog-kubectl',
  title: 'Approving a backlog of 5,000 kubelet-serving CSRs on the sandbox, against kubectl',
  async run(log) {
    return withNodes(log, async (b) => {
      const ours = await approveServing(b, log);
      log('filing a fresh backlog for kubectl certificate approve');
      const names = await fileBacklog(b.nodes, PER_NODE);
      const peer = timed('kubectl', ['certificate', 'approve', ...names], b.env);
      log(`kubectl certificate approve: ${(peer.ms / 1000).toFixed(1)} s`);
      const peerApproved = peer.stdout.split('\n').filter((l) => l.endsWith(' approved')).length;
      if (peerApproved !== names.length)
        throw new Error(`kubectl approved ${peerApproved} CSRs, expected ${names.length}`);
      const rows = [
        {
          what: '`approve-serving --all`, 5,000 CSRs (wall)',
          figure: ours.ms / 1000,
          peer: '`kubectl certificate approve` (5,000 names)',
          peerFigure: peer.ms / 1000,
          unit: 's',
          target: '<= 1x',
        },
      ];
      if (ours.maxRssKb && peer.maxRssKb) {
        rows.push({
          what: 'peak RSS of approve-serving',
          figure: ours.maxRssKb / 1024,
          peer: 'peak RSS of kubectl',
          peerFigure: peer.maxRssKb / 1024,
          unit: 'MB',
          target: '< 300 MB',
        });
      }
      return rows;
    });
  },
};
