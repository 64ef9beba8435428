import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { apiCall, apiRequest, type Credentials } from '../test/sandbox/api.ts';
import { kubeletCsrPem, postCsr } from '../test/sandbox/bulk-csr.ts';
import { Cluster } from '../test/sandbox/cluster.ts';
import { addNode, type NodeIdentity } from '../test/sandbox/node-identity.ts';
import { type Benchmark, median } from './harness.ts';

const NODES = 200;
const CONCURRENCY = 8; // approver run's --concurrency default, for both
/** Interleaved rounds of each (the approver's burst, the floor's), alternating which goes first. */
const ROUNDS = 7;
const CSRS = '/apis/certificates.k8s.io/v1/certificatesigningrequests';
const EVENTS = '/api/v1/namespaces/default/events';

interface CsrObject {
  metadata: { name: string; resourceVersion?: string };
  status?: { conditions?: { type: string }[] };
}

/** Each node asks for 5 distinct SAN sets (newest-per-node-and-SANs would supersede repeats): 1,000 CSRs. */
function sanSets(n: { name: string; ip: string; ip2: string }) {
  const dns = { type: 'dns' as const, value: n.name };
  const ip = { type: 'ip' as const, value: n.ip };
  const ip2 = { type: 'ip' as const, value: n.ip2 };
  return [[dns], [ip], [ip2], [dns, ip], [dns, ip2]];
}

/**
 * A watch in this process (of CSRs, of Events): calls back on every object as it arrives. A watch
 * the API server closes (a loaded one closes slow watchers) is opened again from the last version.
 */
function watchPath<T extends { metadata?: { resourceVersion?: string } }>(
  admin: Credentials,
  path: string,
  onObject: (type: string, o: T) => void,
): () => void {
  let stopped = false;
  let rv: string | undefined;
  let req: ReturnType<typeof request> | undefined;
  const open = () => {
    if (stopped) return;
    const url = new URL(`${path}?watch=1${rv ? `&resourceVersion=${rv}` : ''}`, admin.server);
    // Once per connection, whether it failed or closed: two watches would deliver an ADDED twice.
    let again = false;
    const reopen = () => {
      if (!again) setTimeout(open, 100);
      again = true;
    };
    req = request(url, { ca: admin.ca, cert: admin.cert, key: admin.key }, (res) => {
      res.on('error', () => {}); // destroyed when the burst is over
      res.on('close', reopen);
      const lines = createInterface(res);
      lines.on('error', () => {});
      lines.on('line', (line) => {
        const e = JSON.parse(line) as { type: string; object: T };
        if (e.type === 'ERROR')
          rv = undefined; // 410 Gone: from now (the burst waits for what it lacks)
        else rv = e.object.metadata?.resourceVersion ?? rv;
        if (e.type !== 'ERROR') onObject(e.type, e.object);
      });
    });
    req.on('error', reopen);
    req.end();
  };
  open();
  return () => {
    stopped = true;
    req?.destroy();
  };
}

interface Burst {
  p50: number;
  p99: number;
  totalMs: number;
  /** From the first POST to the answer of the last. */
  postedMs: number;
  /** CPU time of this process (POSTs, watches, and the floor's PUTs) during the burst. */
  cpuMs: number;
  /** CPU time of etcd, kube-apiserver and kube-controller-manager during the burst. */
  controlPlaneCpuMs: number;
  names: string[];
  t0: number;
}

/** CPU time (user + system) of a process so far, in ms, from /proc/PID/stat (clock ticks of 10 ms). */
function cpuMsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** CPU time of the sandbox's control plane so far (its processes, from the sandbox's PID file). */
function controlPlaneCpuMs(cluster: Cluster): number {
  const procs = JSON.parse(readFileSync(join(cluster.dir, 'pids.json'), 'utf8')) as {
    name: string;
    pid: number;
  }[];
  return procs
    .filter((p) => ['etcd', 'kube-apiserver', 'kube-controller-manager'].includes(p.name))
    .reduce((sum, p) => sum + cpuMsOf(p.pid), 0);
}

/** The 1-minute load average: the machine is shared, and what else runs moves these figures. */
function load(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ')[0] ?? '?';
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
  const cpu0 = process.cpuUsage();
  const plane0 = controlPlaneCpuMs(cluster);
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      for (let i = next++; i < csrs.length; i = next++) {
        const c = csrs[i] as { node: NodeIdentity; pem: string };
        created.set(await postCsr(c.node.creds, c.pem), performance.now());
      }
    }),
  );
  const postedMs = performance.now() - t0;
  const deadline = performance.now() + 300_000;
  while ([...created.keys()].some((n) => !approved.has(n))) {
    if (performance.now() > deadline)
      throw new Error(
        `${[...created.keys()].filter((n) => !approved.has(n)).length} CSRs not approved in 300 s`,
      );
    await sleep(20);
  }
  stop();
  const cpu = process.cpuUsage(cpu0);
  const plane = controlPlaneCpuMs(cluster) - plane0;
  const lat = [...created].map(([n, t]) => (approved.get(n) as number) - t).sort((a, b) => a - b);
  const at = (q: number) => lat[Math.min(lat.length - 1, Math.floor(q * lat.length))] as number;
  return {
    p50: at(0.5),
    p99: at(0.99),
    totalMs: Math.max(...[...created.keys()].map((n) => approved.get(n) as number)) - t0,
    postedMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    controlPlaneCpuMs: plane,
    names: [...created.keys()],
    t0,
  };
}

/** Starts `approver run` (the only replica) and waits until it leads. */
async function startApprover(cluster: Cluster, round: number): Promise<ChildProcess> {
  const cli = new URL('../plugin/bin/kubectl-certs.js', import.meta.url).pathname;
  let stderr = '';
  const approver = spawn(
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
    const out = createWriteStream(`${keep}.${round}`);
    approver.stdout?.pipe(out);
    approver.stderr?.pipe(out);
  }
  while (!stderr.includes('became the leader')) {
    if (approver.exitCode !== null) throw new Error(`approver run exited: ${stderr}`);
    await sleep(100);
  }
  return approver;
}

/**
 * A quiet spell before each measured burst, both sides. Long enough for V8's idle-time full
 * collections in the approver (the memory reducer's): they free what the last burst's optimised
 * code was built on, so a burst after idle, the usual one in a cluster, costs about what a fresh
 * process's first burst costs (BENCHMARKS.md).
 */
const IDLE_MS = 20_000;

type ApproverBurst = Burst & { eventsMs: number; approverCpuMs: number };

/**
 * The approver's side: one `approver run` takes a first burst right after it starts (reported on
 * its own rows), then, after the CSRs are gone and an idle spell, the measured burst: the one of an
 * approver that runs, as in a cluster, where a fresh process is the exception (a restart, a failover).
 */
async function approverSide(
  cluster: Cluster,
  makeBurst: () => Promise<{ node: NodeIdentity; pem: string }[]>,
  round: number,
): Promise<{ fresh: ApproverBurst; running: ApproverBurst }> {
  const approver = await startApprover(cluster, round);
  try {
    const fresh = await ledBurst(cluster, approver, await makeBurst());
    await deleteAllCsrs(cluster);
    await sleep(IDLE_MS);
    const running = await ledBurst(cluster, approver, await makeBurst());
    return { fresh, running };
  } finally {
    approver.kill('SIGTERM');
    await new Promise((r) => (approver.exitCode !== null ? r(undefined) : approver.once('exit', r)));
  }
}

/** One burst with the approver leading: from the same start, every CSR Approved and every approval's Event written. */
async function ledBurst(
  cluster: Cluster,
  approver: ChildProcess,
  csrs: { node: NodeIdentity; pem: string }[],
): Promise<ApproverBurst> {
  // Events are written after the approvals (one per decision): timed too, from the same start.
  const evented = new Map<string, number>();
  const stopEvents = watchPath<{
    metadata?: { resourceVersion?: string };
    reason?: string;
    involvedObject?: { name?: string };
  }>(cluster.admin, EVENTS, (type, e) => {
    const name = e.involvedObject?.name;
    if (type === 'ADDED' && e.reason === 'KubectlCertsApproved' && name && !evented.has(name))
      evented.set(name, performance.now());
  });
  const cpu0 = cpuMsOf(approver.pid as number);
  const ours = await burst(cluster, csrs);
  const approverCpuMs = cpuMsOf(approver.pid as number) - cpu0;
  const eventsBy = performance.now() + 120_000;
  while (ours.names.some((n) => !evented.has(n)) && performance.now() < eventsBy) await sleep(50);
  stopEvents();
  const missing = ours.names.filter((n) => !evented.has(n)).length;
  if (missing) throw new Error(`${missing} approvals have no Event after 120 s`);
  const eventsMs = Math.max(...ours.names.map((n) => evented.get(n) as number)) - ours.t0;
  return { ...ours, eventsMs, approverCpuMs };
}

/** The floor: approve each CSR as its ADDED event arrives, CONCURRENCY PUTs at a time, no checks. */
function floorBurst(cluster: Cluster, csrs: { node: NodeIdentity; pem: string }[]): Promise<Burst> {
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
  return burst(cluster, csrs, (o) => {
    if (!o.status?.conditions?.length) {
      queue.push(o);
      pump();
    }
  });
}

/**
 * Deletes every CSR and drops etcd's history of them, so that each
 * burst starts from the same state: without it, each round's deleted CSRs piled up in etcd and
 * every burst was slower than the one before, and the API server's own compaction (every 5 min)
 * fell into whichever burst was running then.
 */
async function deleteAllCsrs(cluster: Cluster): Promise<void> {
  await apiCall(cluster.admin, 'DELETE', CSRS);
  for (;;) {
    const left = await apiCall<{ items: unknown[] }>(cluster.admin, 'GET', `${CSRS}?limit=1`);
    if (left.items.length === 0) break;
    await sleep(200);
  }
  await compactEtcd(cluster);
}

/** Compacts etcd to its current revision and defragments it, over its v3 HTTP gateway. */
async function compactEtcd(cluster: Cluster): Promise<void> {
  const etcd = async <T>(path: string, body: unknown): Promise<T> => {
    const r = await fetch(`${cluster.etcdUrl}/v3/${path}`, { method: 'POST', body: JSON.stringify(body) });
    if (!r.ok) throw new Error(`etcd ${path}: HTTP ${r.status}: ${await r.text()}`);
    return (await r.json()) as T;
  };
  const { header } = await etcd<{ header: { revision: string } }>('kv/range', { key: btoa('/'), limit: 1 });
  await etcd('kv/compaction', { revision: header.revision, physical: true });
  await etcd('maintenance/defragment', {});
}

const ms = (x: number) => `${(x / 1000).toFixed(2)} s`;

/**
 * 1,000 honest CSRs created at once while `approver run` leads on the sandbox: time from each
 * creation to Approved, against the floor measured the same way in the same run: a bare loop of
 * approval PUTs (same concurrency, no checks) over a fresh burst of the same requests. ROUNDS of
 * each, interleaved (the order alternates), every burst on a cluster without CSRs and after
 * IDLE_MS of quiet; medians. The targets are for an approver that runs; its first burst after it
 * starts has rows of its own.
 */
export const approverBurst: Benchmark = {
  name: 'approver-burst',
  title: 'approver run: a burst of 1,000 kubelet-serving CSRs on the sandbox',
  async run(log) {
    const cluster = await Cluster.start();
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
      // One burst first, not measured: on a fresh sandbox the first burst ran cold (the API server's
      // and etcd's heaps still growing), and round 1's first side, always the approver, paid for it.
      await floorBurst(cluster, await makeBurst());
      await deleteAllCsrs(cluster);
      log(
        `${NODES} nodes registered, one warm-up burst done; ${ROUNDS} rounds of the approver's burst and the floor's`,
      );
      const fresh: ApproverBurst[] = [];
      const ours: ApproverBurst[] = [];
      const floor: Burst[] = [];
      const line = (b: Burst) =>
        `p50 ${b.p50.toFixed(0)} ms, p99 ${b.p99.toFixed(0)} ms, all in ${ms(b.totalMs)} (POSTs done at ${ms(b.postedMs)})`;
      const approverLine = (b: ApproverBurst) =>
        `${line(b)}, Events by ${ms(b.eventsMs)}; CPU: approver ${b.approverCpuMs.toFixed(0)} ms, bench ${b.cpuMs.toFixed(0)} ms, control plane ${b.controlPlaneCpuMs.toFixed(0)} ms`;
      for (let round = 0; round < ROUNDS; round++) {
        const sides = [
          async () => {
            const l = load();
            const b = await approverSide(cluster, makeBurst, round);
            fresh.push(b.fresh);
            ours.push(b.running);
            log(`round ${round + 1} approver, first burst after start (load ${l}): ${approverLine(b.fresh)}`);
            log(
              `round ${round + 1} approver, after ${IDLE_MS / 1000} s idle (load ${load()}): ${approverLine(b.running)}`,
            );
          },
          async () => {
            await sleep(IDLE_MS);
            const l = load();
            const b = await floorBurst(cluster, await makeBurst());
            floor.push(b);
            log(
              `round ${round + 1} floor, after ${IDLE_MS / 1000} s idle (load ${l}): ${line(b)}; CPU: bench ${b.cpuMs.toFixed(0)} ms, control plane ${b.controlPlaneCpuMs.toFixed(0)} ms`,
            );
          },
        ];
        for (const side of round % 2 ? sides.reverse() : sides) {
          await side();
          await deleteAllCsrs(cluster);
        }
        const ratio = (b: Burst | undefined) => ((b?.totalMs ?? 0) / (floor.at(-1)?.totalMs ?? 1)).toFixed(2);
        log(
          `round ${round + 1}: all approved ${ratio(ours.at(-1))}x the floor (first burst after start ${ratio(fresh.at(-1))}x)`,
        );
      }
      await apiCall(cluster.admin, 'GET', '/healthz');
      // Each row: a median over our bursts against the same measure's median over the floor's.
      const PEER = 'bare approval loop';
      const s = (b: Burst) => b.totalMs / 1000;
      const row = <B extends Burst>(
        what: string,
        xs: B[],
        f: (b: B) => number,
        g: (b: Burst) => number,
        unit: string,
      ) => ({
        what,
        figure: median(xs.map(f)),
        peer: PEER,
        peerFigure: median(floor.map(g)),
        unit,
      });
      const p50 = (b: Burst) => b.p50;
      const p99 = (b: Burst) => b.p99;
      return [
        row('p50 creation → Approved', ours, p50, p50, 'ms'),
        { ...row('p99 creation → Approved', ours, p99, p99, 'ms'), target: '<= 2 s' },
        {
          ...row(`all 1,000 approved (wall, median of ${ROUNDS} interleaved rounds)`, ours, s, s, 's'),
          target: '<= 1.3x',
        },
        row('p99, first burst after the approver starts', fresh, p99, p99, 'ms'),
        row('all 1,000 approved, first burst after the approver starts', fresh, s, s, 's'),
        {
          ...row(
            "all 1,000 approvals' Events written (wall, same start)",
            ours,
            (b) => b.eventsMs / 1000,
            s,
            's',
          ),
          peer: `${PEER} (writes no Events)`,
        },
      ];
    } finally {
      await cluster.stop();
    }
  },
};
