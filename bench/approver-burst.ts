import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { request } from 'node:https';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { apiCall, apiRequest, type Credentials } from '../test/sandbox/api.ts';
import { kubeletCsrPem, postCsr } from '../test/sandbox/bulk-csr.ts';
import { Cluster } from '../test/sandbox/cluster.ts';
import { addNode, type NodeIdentity } from '../test/sandbox/node-identity.ts';
import type { Benchmark } from './harness.ts';

const NODES = 200;
const CONCURRENCY = 8; // approver run's --concurrency default, for both
const CSRS = '/apis/certificates.k8s.io/v1/certificatesigningrequests';
const EVENTS = '/api/v1/namespaces/default/events';

interface CsrObject {
  metadata: { name: string; resourceVersion: string };
  status?: { conditions?: { type: string }[] };
}

/** Each node asks for 5 distinct SAN sets (newest-per-node-and-SANs would supersede repeats): 1,000 CSRs. */
function sanSets(n: { name: string; ip: string; ip2: string }) {
  const dns = { type: 'dns' as const, value: n.name };
  const ip = { type: 'ip' as const, value: n.ip };
  const ip2 = { type: 'ip' as const, value: n.ip2 };
  return [[dns], [ip], [ip2], [dns, ip], [dns, ip2]];
}

/** A watch in this process (of CSRs, of Events): calls back on every object as it arrives. */
function watchPath<T>(admin: Credentials, path: string, onObject: (type: string, o: T) => void): () => void {
  const url = new URL(`${path}?watch=1`, admin.server);
  const req = request(url, { ca: admin.ca, cert: admin.cert, key: admin.key }, (res) => {
    res.on('error', () => {}); // destroyed when the burst is over
    const lines = createInterface(res);
    lines.on('error', () => {});
    lines.on('line', (line) => {
      const e = JSON.parse(line) as { type: string; object: T };
      onObject(e.type, e.object);
    });
  });
  req.on('error', () => {});
  req.end();
  return () => req.destroy();
}

interface Burst {
  p50: number;
  p99: number;
  totalMs: number;
  names: string[];
  t0: number;
}

/** Files the burst (16 POSTs at a time) and measures, per CSR, from its POST's answer to its Approved condition in the watch. */
async function burst(
  cluster: Cluster,
  csrs: { node: NodeIdentity; pem: string }[],
  onAdded?: (o: CsrObject) => void,
): Promise<Burst> {
  const created = new Map<string, number>();
  const approved = new Map<string, number>();
  const stop = watchPath<CsrObject>(cluster.admin, CSRS, (type, o) => {
    if (type === 'ADDED') onAdded?.(o);
    if (o.status?.conditions?.some((c) => c.type === 'Approved') && !approved.has(o.metadata.name))
      approved.set(o.metadata.name, performance.now());
  });
  await sleep(500); // the watch is open
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      for (let i = next++; i < csrs.length; i = next++) {
        const c = csrs[i] as { node: NodeIdentity; pem: string };
        created.set(await postCsr(c.node.creds, c.pem), performance.now());
      }
    }),
  );
  const deadline = performance.now() + 300_000;
  while ([...created.keys()].some((n) => !approved.has(n))) {
    if (performance.now() > deadline)
      throw new Error(
        `${[...created.keys()].filter((n) => !approved.has(n)).length} CSRs not approved in 300 s`,
      );
    await sleep(20);
  }
  stop();
  const lat = [...created].map(([n, t]) => (approved.get(n) as number) - t).sort((a, b) => a - b);
  const at = (q: number) => lat[Math.min(lat.length - 1, Math.floor(q * lat.length))] as number;
  return {
    p50: at(0.5),
    p99: at(0.99),
    totalMs: Math.max(...approved.values()) - t0,
    names: [...created.keys()],
    t0,
  };
}

/**
 * 1,000 honest CSRs created at once while `approver run` leads on the sandbox: time from each
 * creation to Approved, against the floor measured the same way in the same run: a bare loop of
 * approval PUTs (same concurrency, no checks) over a fresh burst of the same requests.
 */
export const approverBurst: Benchmark = {
  name: 'approver-burst',
  title: 'approver run: a burst of 1,000 kubelet-serving CSRs on the sandbox',
  async run(log) {
    const cluster = await Cluster.start();
    let approver: ChildProcess | undefined;
    try {
      const nodes: (NodeIdentity & { ip2: string })[] = [];
      for (let i = 0; i < NODES; i++) {
        const ip2 = `127.3.${Math.floor(i / 200)}.${(i % 200) + 2}`;
        const n = await addNode(cluster, `burst-${i}`, {
          ip: `127.2.${Math.floor(i / 200)}.${(i % 200) + 2}`,
          extraAddresses: [{ type: 'ExternalIP', address: ip2 }],
        });
        nodes.push({ ...n, ip2 });
      }
      const makeBurst = async () =>
        Promise.all(
          nodes.flatMap((n) =>
            sanSets(n).map(async (sans) => ({ node: n, pem: await kubeletCsrPem(n, sans) })),
          ),
        );
      log(`${NODES} nodes registered; starting approver run`);
      const cli = new URL('../plugin/bin/kubectl-certs.js', import.meta.url).pathname;
      let stderr = '';
      approver = spawn(
        process.execPath,
        [
          // BENCH_CPU_PROF=DIR writes a V8 CPU profile of the approver there (to find where time goes).
          ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF] : []),
          cli,
          'approver',
          'run',
          '--bind-address',
          '127.0.0.1:0',
          '--max-pending-per-node',
          '10',
          '--kubelet-probe-interval',
          '0',
        ],
        {
          env: { ...process.env, KUBECONFIG: cluster.adminKubeconfig },
          stdio: ['ignore', process.env.BENCH_APPROVER_LOG ? 'pipe' : 'ignore', 'pipe'],
        },
      );
      approver.stderr?.on('data', (d) => (stderr += d));
      // BENCH_APPROVER_LOG=FILE keeps what the approver printed (rows and log lines), to explain a slow run.
      const keep = process.env.BENCH_APPROVER_LOG;
      if (keep) {
        const out = createWriteStream(keep);
        approver.stdout?.pipe(out);
        approver.stderr?.pipe(out);
      }
      while (!stderr.includes('became the leader')) {
        if (approver.exitCode !== null) throw new Error(`approver run exited: ${stderr}`);
        await sleep(100);
      }
      // Events are written after the approvals (one per decision): timed too, from the same start.
      const evented = new Map<string, number>();
      const stopEvents = watchPath<{ reason?: string; involvedObject?: { name?: string } }>(
        cluster.admin,
        EVENTS,
        (type, e) => {
          const name = e.involvedObject?.name;
          if (type === 'ADDED' && e.reason === 'KubectlCertsApproved' && name && !evented.has(name))
            evented.set(name, performance.now());
        },
      );
      const ours = await burst(cluster, await makeBurst());
      log(
        `approver: p50 ${ours.p50.toFixed(0)} ms, p99 ${ours.p99.toFixed(0)} ms, all in ${ours.totalMs.toFixed(0)} ms`,
      );
      const eventsBy = performance.now() + 120_000;
      while (ours.names.some((n) => !evented.has(n)) && performance.now() < eventsBy) await sleep(50);
      stopEvents();
      const missing = ours.names.filter((n) => !evented.has(n)).length;
      if (missing) throw new Error(`${missing} approvals have no Event after 120 s`);
      const eventsMs = Math.max(...ours.names.map((n) => evented.get(n) as number)) - ours.t0;
      log(`every Event written ${eventsMs.toFixed(0)} ms after the burst started`);
      approver.kill('SIGTERM');
      await new Promise((r) => approver?.once('exit', r));

      // The floor: approve each CSR as its ADDED event arrives, CONCURRENCY PUTs at a time, no checks.
      const queue: CsrObject[] = [];
      let inFlight = 0;
      const pump = () => {
        while (inFlight < CONCURRENCY && queue.length) {
          const o = queue.shift() as CsrObject;
          inFlight++;
          const body = {
            ...o,
            status: {
              conditions: [{ type: 'Approved', status: 'True', reason: 'Floor', message: 'no checks' }],
            },
          };
          void apiRequest(cluster.admin, 'PUT', `${CSRS}/${o.metadata.name}/approval`, body)
            .then(
              (r) => r.status === 200 || queue.push(o),
              () => queue.push(o),
            ) // asked again, as the approver would
            .finally(() => {
              inFlight--;
              pump();
            });
        }
      };
      const floor = await burst(cluster, await makeBurst(), (o) => {
        if (!o.status?.conditions?.length) {
          queue.push(o);
          pump();
        }
      });
      log(
        `floor: p50 ${floor.p50.toFixed(0)} ms, p99 ${floor.p99.toFixed(0)} ms, all in ${floor.totalMs.toFixed(0)} ms`,
      );
      await apiCall(cluster.admin, 'GET', '/healthz');
      return [
        {
          what: 'p50 creation → Approved',
          figure: ours.p50,
          peer: 'bare approval loop',
          peerFigure: floor.p50,
          unit: 'ms',
        },
        {
          what: 'p99 creation → Approved',
          figure: ours.p99,
          peer: 'bare approval loop',
          peerFigure: floor.p99,
          unit: 'ms',
          target: '<= 2 s',
        },
        {
          what: 'all 1,000 approved (wall)',
          figure: ours.totalMs / 1000,
          peer: 'bare approval loop',
          peerFigure: floor.totalMs / 1000,
          unit: 's',
          target: '<= 1.3x',
        },
        {
          what: "all 1,000 approvals' Events written (wall, same start)",
          figure: eventsMs / 1000,
          peer: 'bare approval loop (writes no Events)',
          peerFigure: floor.totalMs / 1000,
          unit: 's',
        },
      ];
    } finally {
      approver?.kill('SIGKILL');
      await cluster.stop();
    }
  },
};
