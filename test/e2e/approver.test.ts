import { type ChildProcess, execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster } from '../sandbox/cluster.ts';
import { type FakeKubelet, startFakeKubelet } from '../sandbox/fake-kubelet.ts';
import { addNode, randomLoopbackIp, setNodeStatus } from '../sandbox/node-identity.ts';
import { startPrometheus } from '../sandbox/prometheus.ts';
import { fileServingCsr, waitForIssued } from '../sandbox/serving-csr.ts';
import { CLI, QUICK_LEASE, spawnApprover } from './cli.ts';
import { requireMonitoringTools } from './monitoring-tools.ts';

// The approver decides every kubelet-serving CSR of the cluster: it gets a cluster of its own.
let cluster: Cluster;
const LEASE = QUICK_LEASE;

interface Replica {
  id: string;
  proc: ChildProcess;
  stdout: string;
  stderr: string;
  url?: string;
  exit: Promise<number | null>;
}
const replicas: Replica[] = [];
const kubelets: FakeKubelet[] = [];

beforeAll(async () => {
  requireMonitoringTools();
  cluster = await Cluster.start();
});
afterAll(async () => {
  for (const r of replicas) r.proc.kill('SIGKILL');
  for (const k of kubelets) await k.stop();
  await cluster?.stop();
});

function kubectl(...args: string[]): string {
  return execFileSync('kubectl', ['--kubeconfig', cluster.adminKubeconfig, ...args], {
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

async function until<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  ms = 30_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline)
      throw new Error(
        `timed out waiting for ${what}\n${replicas.map((r) => `--- ${r.id} stdout:\n${r.stdout}\n--- ${r.id} stderr:\n${r.stderr}`).join('\n')}`,
      );
    await sleep(100);
  }
}

async function startReplica(id: string, kubeconfig = cluster.adminKubeconfig): Promise<Replica> {
  const proc = spawnApprover(kubeconfig, [
    '--identity',
    id,
    '--request-timeout',
    '5s',
    '--kubelet-probe-interval',
    '1s',
  ]);
  const r: Replica = {
    id,
    proc,
    stdout: '',
    stderr: '',
    exit: new Promise((res) => proc.on('exit', (c) => res(c))),
  };
  proc.stdout?.on('data', (d) => (r.stdout += d));
  proc.stderr?.on('data', (d) => (r.stderr += d));
  replicas.push(r);
  r.url = await until(
    `${id} to serve`,
    () => r.stderr.match(/serving \/metrics, \/healthz and \/readyz on (\S+)/)?.[1],
  );
  return r;
}

const holder = () =>
  kubectl(
    'get',
    'lease',
    '-n',
    'kube-system',
    'kubectl-certs-approver',
    '-o',
    'jsonpath={.spec.holderIdentity}',
  );
const lease = () =>
  JSON.parse(kubectl('get', 'lease', '-n', 'kube-system', 'kubectl-certs-approver', '-o', 'json')).spec as {
    holderIdentity?: string;
    acquireTime: string;
    renewTime: string;
    leaseTransitions: number;
    leaseDurationSeconds: number;
  };
const get = async (r: Replica, path: string) => {
  const res = await fetch(`${r.url}${path}`);
  return { status: res.status, body: await res.text() };
};
/** One sample of /metrics, e.g. sample(text, 'kubectl_certs_approver_leader'). */
const sample = (text: string, series: string): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : undefined;
};
const approvedEvents = (csr: string) =>
  kubectl(
    'get',
    'events',
    '-A',
    '--field-selector',
    `involvedObject.name=${csr},reason=KubectlCertsApproved`,
    '-o',
    'name',
  )
    .split('\n')
    .filter(Boolean).length;

describe('kubectl certs approver run: two replicas on the real control plane', () => {
  let leader: Replica;
  let follower: Replica;

  it('elects one leader on a Lease; both serve /healthz and, once synced, /readyz; only the leader reports leader 1', async () => {
    const a = await startReplica('replica-a');
    const b = await startReplica('replica-b');
    const id = await until('a leader', () => holder());
    [leader, follower] = id === 'replica-a' ? [a, b] : [b, a];
    await until(
      'both ready',
      async () => (await get(a, '/readyz')).status === 200 && (await get(b, '/readyz')).status === 200,
    );
    expect(await get(leader, '/healthz')).toEqual({ status: 200, body: 'ok' });
    expect(sample((await get(leader, '/metrics')).body, 'kubectl_certs_approver_leader')).toBe(1);
    expect(sample((await get(follower, '/metrics')).body, 'kubectl_certs_approver_leader')).toBe(0);
    expect(leader.stderr).toContain('became the leader (Lease kube-system/kubectl-certs-approver, identity ');
    expect(follower.stderr).toContain(`the leader is ${leader.id}`);
  });

  it('approves an honest CSR and refuses a forged one; kubectl describe csr shows why, as an Event', async () => {
    const honestNode = await addNode(cluster, 'honest-1');
    const victim = await addNode(cluster, 'victim-1');
    const honest = await fileServingCsr(cluster, honestNode);
    const forged = await fileServingCsr(cluster, honestNode, { forNode: victim });
    await waitForIssued(cluster, honest.name);
    await until('the forged CSR refused', () => leader.stdout.includes(forged.name));
    const describedHonest = await until('the approval Event', () => {
      const d = kubectl('describe', 'csr', honest.name);
      return d.includes('KubectlCertsApproved') && d;
    });
    expect(describedHonest).toMatch(
      /Normal\s+KubectlCertsApproved\s+.*kubectl-certs-approver\s+approved: every check passed/,
    );
    const describedForged = await until('the refusal Event', () => {
      const d = kubectl('describe', 'csr', forged.name);
      return d.includes('KubectlCertsRefused') && d;
    });
    expect(describedForged).toMatch(
      /Warning\s+KubectlCertsRefused\s+.*refused, left Pending: subject: subject CN "system:node:victim-1" is not the requester "system:node:honest-1"; ip-sans: IP SAN .* is not an InternalIP or ExternalIP of Node honest-1.*; dns-sans: DNS SAN "victim-1"/,
    );
    expect(kubectl('get', 'csr', forged.name, '-o', 'jsonpath={.status.conditions}')).toBe('');
  });

  it('serves what it did on /metrics: decisions by decision and check, pending CSRs, time to decision, the issued certificate’s expiry', async () => {
    const text = await until('metrics after the decisions', async () => {
      const t = (await get(leader, '/metrics')).body;
      const expiry = sample(
        t,
        'kubectl_certs_approver_serving_certificate_expiry_timestamp_seconds{node="honest-1"}',
      );
      return expiry !== undefined ? t : undefined;
    });
    expect(sample(text, 'kubectl_certs_approver_decisions_total{decision="approve",check="none"}')).toBe(1);
    expect(sample(text, 'kubectl_certs_approver_decisions_total{decision="refuse",check="subject"}')).toBe(1);
    expect(sample(text, 'kubectl_certs_approver_pending_csrs')).toBe(1);
    expect(sample(text, 'kubectl_certs_approver_decision_duration_seconds_count{decision="approve"}')).toBe(
      1,
    );
    const expiry = sample(
      text,
      'kubectl_certs_approver_serving_certificate_expiry_timestamp_seconds{node="honest-1"}',
    ) as number;
    expect(expiry * 1000).toBeGreaterThan(Date.now());
    expect(text).toContain('# TYPE kubectl_certs_approver_api_errors_total counter');
    const followerText = (await get(follower, '/metrics')).body;
    expect(sample(followerText, 'kubectl_certs_approver_pending_csrs')).toBe(1);
    expect(followerText).not.toContain('kubectl_certs_approver_decisions_total{');
  });

  it('the leader reads every kubelet over TLS: one serving its own self-signed certificate is 1, one serving the issued certificate 0', async () => {
    const selfIp = randomLoopbackIp();
    const self = await startFakeKubelet({ node: 'kubelet-self', bind: selfIp, workDir: cluster.dir });
    kubelets.push(self);
    await addNode(cluster, 'kubelet-self', { ip: selfIp, kubeletPort: self.port });
    const signedNode = await addNode(cluster, 'kubelet-ca');
    const csr = await fileServingCsr(cluster, signedNode);
    const cert = await waitForIssued(cluster, csr.name);
    const signed = await startFakeKubelet({
      node: 'kubelet-ca',
      bind: signedNode.ip,
      serving: { cert, key: csr.keyPem },
      workDir: cluster.dir,
    });
    kubelets.push(signed);
    await setNodeStatus(signedNode, signed.port);
    const series = (node: string) =>
      `kubectl_certs_approver_kubelet_serving_certificate_self_signed{node="${node}"}`;
    const text = await until('both kubelets probed', async () => {
      const t = (await get(leader, '/metrics')).body;
      return (
        sample(t, series('kubelet-self')) !== undefined && sample(t, series('kubelet-ca')) !== undefined && t
      );
    });
    expect(sample(text, series('kubelet-self'))).toBe(1);
    expect(sample(text, series('kubelet-ca'))).toBe(0);
    expect(sample(text, series('honest-1'))).toBeUndefined(); // nothing listens there: unknown, not 0
    expect(
      sample(text, 'kubectl_certs_approver_api_errors_total{operation="kubelet_probe",code=""}'),
    ).toBeGreaterThan(0);
    expect((await get(follower, '/metrics')).body).not.toContain(`${series('kubelet-self')}`);
  });

  it("a real Prometheus scrapes both replicas: its HTTP API has leader 1 on exactly one, and the leader's decisions", async () => {
    const hostPort = (r: Replica) => new URL(r.url as string).host;
    const prometheus = await startPrometheus(cluster, 'prometheus', [hostPort(leader), hostPort(follower)]);
    const leaders = await until('both replicas scraped', async () => {
      const r = await prometheus.query('kubectl_certs_approver_leader');
      return r.length === 2 && r;
    });
    expect(Object.fromEntries(leaders.map((s) => [s.metric.instance, s.value]))).toEqual({
      [hostPort(leader)]: 1,
      [hostPort(follower)]: 0,
    });
    expect(await prometheus.query('sum(kubectl_certs_approver_leader)')).toMatchObject([{ value: 1 }]);
    const decisions = await prometheus.query(
      'sum by (decision, check) (kubectl_certs_approver_decisions_total)',
    );
    expect(decisions.map((d) => [d.metric.decision, d.metric.check, d.value]).sort()).toEqual([
      ['approve', 'none', 2],
      ['refuse', 'subject', 1],
    ]);
    expect(await prometheus.query('max(kubectl_certs_approver_pending_csrs)')).toMatchObject([{ value: 1 }]);
    const selfSigned = await until('the probe series scraped', async () => {
      const r = await prometheus.query('kubectl_certs_approver_kubelet_serving_certificate_self_signed == 1');
      return r.length > 0 && r;
    });
    expect(selfSigned.map((s) => [s.metric.node, s.metric.instance])).toEqual([
      ['kubelet-self', hostPort(leader)],
    ]);
  });

  it('newest CSR per node wins: an older pending request for the same names is superseded and never approved', async () => {
    const identity = await addNode(cluster, 'late-1', { noNode: true });
    const older = await fileServingCsr(cluster, identity);
    await until('the older refused for its missing Node', () => leader.stdout.includes(older.name));
    const newer = await fileServingCsr(cluster, identity, { key: 'ec' });
    await until('the older superseded', () =>
      kubectl('describe', 'csr', older.name).includes('KubectlCertsSuperseded'),
    );
    await addNode(cluster, 'late-1', { ip: identity.ip });
    await waitForIssued(cluster, newer.name);
    expect(kubectl('describe', 'csr', older.name)).toMatch(
      new RegExp(
        `KubectlCertsSuperseded\\s+.*superseded: superseded: a newer CSR ${newer.name} of Node late-1 asks for the same names`,
      ),
    );
    expect(kubectl('get', 'csr', older.name, '-o', 'jsonpath={.status.conditions}')).toBe('');
  });

  it('the leader killed, the other replica takes over within the lease duration and approves; nothing is approved twice', async () => {
    const before = lease();
    leader.proc.kill('SIGKILL');
    await leader.exit;
    await until('the follower to lead', () => holder() === follower.id, 30_000);
    const after = lease();
    const gapSeconds = (Date.parse(after.acquireTime) - Date.parse(before.renewTime)) / 1000;
    // client-go's bound: the follower sees the last renewal at its next try (a retry period,
    // jittered up to 2.2x, after it), waits the lease duration from then, and takes the Lease at
    // the try after that (one more jittered retry period); 1 s for the two processes' clocks and
    // the API server's write. (One jittered retry alone was missed by 22 ms under load.)
    expect(gapSeconds).toBeLessThanOrEqual(LEASE.duration + 2 * 2.2 * LEASE.retry + 1);
    expect(after.leaseTransitions).toBe(before.leaseTransitions + 1);
    const node = await addNode(cluster, 'after-failover');
    const csr = await fileServingCsr(cluster, node);
    await waitForIssued(cluster, csr.name);
    await until('ready as leader', async () => (await get(follower, '/readyz')).status === 200);
    expect(sample((await get(follower, '/metrics')).body, 'kubectl_certs_approver_leader')).toBe(1);
    const csrs = JSON.parse(kubectl('get', 'csr', '-o', 'json')).items as {
      metadata: { name: string };
      status?: { conditions?: { type: string }[] };
    }[];
    for (const c of csrs) {
      const approvals = (c.status?.conditions ?? []).filter((x) => x.type === 'Approved').length;
      expect(approvals, c.metadata.name).toBeLessThanOrEqual(1);
      if (approvals) expect(approvedEvents(c.metadata.name), c.metadata.name).toBe(1);
    }
  });

  it('on SIGTERM the leader releases the Lease (holderIdentity cleared) and exits 0', async () => {
    follower.proc.kill('SIGTERM');
    expect(await follower.exit).toBe(0);
    expect(follower.stderr).toContain('released the Lease kube-system/kubectl-certs-approver');
    expect(lease()).toMatchObject({ holderIdentity: '', leaseDurationSeconds: 1 });
  });
});

describe('kubectl certs rbac --lease-namespace: what approver run needs, applied with the real kubectl', () => {
  const cli = (args: string[]) => execFileSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  const apply = (yaml: string) =>
    execFileSync('kubectl', ['--kubeconfig', cluster.adminKubeconfig, 'apply', '-f', '-'], {
      input: yaml,
      stdio: ['pipe', 'pipe', 'pipe'],
    });

  it('without it, approver run stops at once naming the Lease permission', async () => {
    const creds = cluster.userCredentials('plain-approver');
    apply(cli(['rbac', '--user', 'plain-approver', '--name', 'plain-approver']));
    const r = execFileSync(
      'sh',
      [
        '-c',
        `"${process.execPath}" "${CLI}" approver run --lease-namespace kube-system --bind-address 127.0.0.1:0 2>&1; echo "exit $?"`,
      ],
      {
        encoding: 'utf8',
        env: { PATH: process.env.PATH, HOME: '/nonexistent', KUBECONFIG: creds.kubeconfig },
      },
    );
    expect(r).toBe(
      'error: missing permission: get leases (coordination.k8s.io) in namespace kube-system; grant the approver role with: kubectl certs rbac --user <you> --lease-namespace kube-system | kubectl apply -f -\nexit 1\n',
    );
  });

  it('with it, approver run as that user leads and approves', async () => {
    const creds = cluster.userCredentials('controller');
    apply(cli(['rbac', '--user', 'controller', '--name', 'controller', '--lease-namespace', 'kube-system']));
    const r = await startReplica('replica-rbac', creds.kubeconfig);
    await until('it leads', () => holder() === 'replica-rbac');
    const node = await addNode(cluster, 'rbac-node');
    const csr = await fileServingCsr(cluster, node);
    await waitForIssued(cluster, csr.name);
    await until('its Event', () => kubectl('describe', 'csr', csr.name).includes('KubectlCertsApproved'));
    r.proc.kill('SIGTERM');
    expect(await r.exit).toBe(0);
  });
});
