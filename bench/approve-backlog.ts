import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, dirname } from 'node:path';
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

/**
 * 5,000 pending honest CSRs from 50 node identities on the sandbox: `approve-serving --all` (which
 * checks each one) against `kubectl certificate approve <the names>` (which checks nothing), each on
 * a fresh backlog.
 */
export const approveBacklog: Benchmark = {
  name: 'approve-backlog',
  title: 'Approving a backlog of 5,000 kubelet-serving CSRs on the sandbox',
  async run(log) {
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
      log(`${NODES} nodes registered; filing ${NODES * PER_NODE} CSRs for approve-serving`);
      let t = performance.now();
      const first = await fileBacklog(nodes, PER_NODE);
      log(`filed in ${((performance.now() - t) / 1000).toFixed(1)} s; running approve-serving --all`);
      const cli = new URL('../plugin/bin/kubectl-certs.js', import.meta.url).pathname;
      const ours = timed(process.execPath, [cli, 'approve-serving', '--all', '-o', 'json'], env);
      const approved = (JSON.parse(ours.stdout) as { items: { action: string }[] }).items.filter(
        (i) => i.action === 'approved',
      ).length;
      if (approved !== NODES * PER_NODE)
        throw new Error(`approve-serving approved ${approved} CSRs, expected ${NODES * PER_NODE}`);
      log(`approve-serving: ${(ours.ms / 1000).toFixed(1)} s; waiting until the signer has issued them all`);
      await waitForAllIssued(cluster.admin, first);

      log('filing a fresh backlog for kubectl certificate approve');
      t = performance.now();
      const names = await fileBacklog(nodes, PER_NODE);
      log(`filed in ${((performance.now() - t) / 1000).toFixed(1)} s; running kubectl certificate approve`);
      const peer = timed('kubectl', ['certificate', 'approve', ...names], env);
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
    } finally {
      await cluster.stop();
    }
  },
};
