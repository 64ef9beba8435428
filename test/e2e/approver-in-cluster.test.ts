import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPROVED_REASON } from '../../plugin/src/approve/write-decision.ts';
import { EVENT_REASON } from '../../plugin/src/approver/events.ts';
import { imageOf } from '../../plugin/src/approver/image.ts';
import { DEFAULT_LEASE_TIMING } from '../../plugin/src/approver/leader-election.ts';
import { METRICS } from '../../plugin/src/approver/metric-names.ts';
import { writeImageArchive } from '../../release/image-archive.ts';
import { TARGETS } from '../../release/targets.ts';
import { Cluster } from '../sandbox/cluster.ts';
import { importImage, killContainersOf } from '../sandbox/containerd.ts';
import { type PrometheusServer, startPrometheus } from '../sandbox/prometheus.ts';
import { RealNode } from '../sandbox/real-node.ts';
import { proxyKubernetesService } from '../sandbox/service-proxy.ts';
import { fileServingCsr, KUBELET_SERVING } from '../sandbox/serving-csr.ts';
import { requireMonitoringTools } from './monitoring-tools.ts';

// The approver as a user installs it: the release's container image imported into the containerd
// of two real "infra" nodes, deploy/base applied with the real kubectl, and the Deployment's two
// replicas approving, with their service-account token, the serving CSRs of a real worker node as
// it joins and as it rotates. The signing duration is the controller-manager's, and the approver
// decides every CSR of its cluster: this file has a cluster of its own. 8 minutes, backdated 5 by
// the signer, leaves 3 minutes of validity: the worker rotates 0.6 to 2.2 minutes after each issue.
const SIGNING_DURATION = '8m';
const { version: VERSION, homepage: HOMEPAGE } = JSON.parse(
  readFileSync(new URL('../../plugin/package.json', import.meta.url), 'utf8'),
) as { version: string; homepage: string };
const IMAGE = imageOf(VERSION);
const NAMESPACE = 'kubectl-certs';
const APP = 'kubectl-certs-approver';
const INFRA_LABEL = 'kubectl-certs.test/infra';
/** Where the base's Deployment serves /metrics: with the node's network, at the node's address. */
const METRICS_PORT = 8080;
const BASE = new URL('../../deploy/base', import.meta.url).pathname;

const work = mkdtempSync(join(tmpdir(), 'kc-approver-in-cluster-'));
let cluster: Cluster;
let infra: RealNode[] = [];
let worker: RealNode | undefined;
let prometheus: PrometheusServer;

beforeAll(async () => {
  requireMonitoringTools();
  const image = await writeImageArchive(
    TARGETS.filter((t) => t.os === 'linux'),
    VERSION,
    HOMEPAGE,
    work,
  );
  if (!image) throw new Error('no image for the linux targets');
  cluster = await Cluster.start({ scheduler: true, signingDuration: SIGNING_DURATION });
  // serverTLSBootstrap off: the nodes the approver runs on serve their own certificate, so that
  // the approver never waits for itself.
  infra = await Promise.all(
    ['infra-1', 'infra-2'].map((name) => RealNode.start(cluster, { name, serverTLSBootstrap: false })),
  );
  for (const node of infra) {
    importImage(node.dir, image.file);
    await proxyKubernetesService(node);
    kubectl('label', 'node', node.name, `${INFRA_LABEL}=true`);
  }
}, 900_000);
afterAll(async () => {
  await Promise.all([...infra, ...(worker ? [worker] : [])].map((n) => n.stop()));
  await cluster?.stop();
  rmSync(work, { recursive: true, force: true });
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
  ms = 60_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await Promise.resolve()
      .then(probe)
      .catch(() => undefined);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${podLogs()}`);
    await sleep(500);
  }
}

/**
 * The test overlay: deploy/base as it ships, patched only where the sandbox differs from a
 * cluster. Each patch says why.
 */
function writeOverlay(): string {
  const dir = join(work, 'overlay');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'kustomization.yaml'),
    `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ${relative(dir, BASE)}
patches:
  - path: sandbox-network.yaml
    target: {kind: Deployment, name: ${APP}}
  - path: sandbox-1.20.yaml
    target: {kind: PodDisruptionBudget, name: ${APP}}
`,
  );
  writeFileSync(
    join(dir, 'sandbox-1.20.yaml'),
    `# The sandbox is Kubernetes 1.20, which serves PodDisruptionBudgets as policy/v1beta1 only
# (policy/v1 arrived in 1.21; clusters from 1.25 serve only v1, which the base uses).
- op: replace
  path: /apiVersion
  value: policy/v1beta1
`,
  );
  writeFileSync(
    join(dir, 'sandbox-network.yaml'),
    `# The sandbox's nodes have no pod network (no CNI config): pods run in the node's network
# namespace, and /metrics is served at the node's address, port ${METRICS_PORT}. The API server is
# still found through the kubernetes Service, which test/sandbox/service-proxy.ts proxies in place
# of kube-proxy. (A cluster with Pod Security "restricted" would refuse hostNetwork; 1.20 has no
# Pod Security admission.)
- op: add
  path: /spec/template/spec/hostNetwork
  value: true
# Only the infra nodes have the image imported (nothing is ever pulled); the worker joins later.
- op: add
  path: /spec/template/spec/nodeSelector
  value: {${INFRA_LABEL}: "true"}
# Without a CNI config the nodes stay NotReady, with the kubelet's not-ready taint that the node
# lifecycle controller (not run here) would lift.
- op: add
  path: /spec/template/spec/tolerations/-
  value: {key: node.kubernetes.io/not-ready, operator: Exists, effect: NoSchedule}
`,
  );
  return dir;
}

interface Pod {
  metadata: { name: string };
  spec: {
    nodeName?: string;
    hostNetwork?: boolean;
    containers: { image: string; imagePullPolicy: string }[];
    volumes?: { secret?: { secretName: string } }[];
  };
  status: {
    phase?: string;
    conditions?: { type: string; status: string }[];
    containerStatuses?: { restartCount: number; ready: boolean; lastState?: object }[];
  };
}

function pods(): Pod[] {
  return (
    JSON.parse(
      kubectl('get', 'pods', '-n', NAMESPACE, '-l', `app.kubernetes.io/name=${APP}`, '-o', 'json'),
    ) as { items: Pod[] }
  ).items;
}

const ready = (p: Pod) => p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');

function podLogs(): string {
  try {
    return pods()
      .map(
        (p) =>
          `--- ${p.metadata.name} on ${p.spec.nodeName}, ${JSON.stringify(p.status.containerStatuses)}:\n${kubectl('logs', '-n', NAMESPACE, p.metadata.name)}`,
      )
      .join('\n');
  } catch (e) {
    return `(no pod logs: ${(e as Error).message.split('\n')[0]})`;
  }
}

interface LeaseSpec {
  holderIdentity?: string;
  acquireTime: string;
  renewTime: string;
  leaseTransitions: number;
  leaseDurationSeconds: number;
}
const lease = () =>
  (JSON.parse(kubectl('get', 'lease', '-n', NAMESPACE, APP, '-o', 'json')) as { spec: LeaseSpec }).spec;

const nodeOf = (p: Pod) => infra.find((n) => n.name === p.spec.nodeName) as RealNode;

/**
 * The one ready pod whose own /metrics says it leads (read at its node's address), or undefined
 * while none or both do. Not its log: every kubelet of this machine shares /var/log/pods, and a
 * 1.20 kubelet's garbage collection deletes the log folders of pods it does not know, so
 * `kubectl logs` of a pod older than a minute or so may have lost its first lines.
 */
async function leadingPod(): Promise<Pod | undefined> {
  const leading: Pod[] = [];
  for (const p of pods().filter(ready)) {
    const text = await (await fetch(`http://${nodeOf(p).ip}:${METRICS_PORT}/metrics`)).text();
    if (text.split('\n').includes(`${METRICS.leader} 1`)) leading.push(p);
  }
  return leading.length === 1 ? leading[0] : undefined;
}

interface Csr {
  metadata: { name: string; uid: string; creationTimestamp: string };
  spec: { signerName: string; username: string };
  status?: { conditions?: { type: string; reason?: string }[]; certificate?: string };
}
const servingCsrs = () =>
  (JSON.parse(kubectl('get', 'csr', '-o', 'json')) as { items: Csr[] }).items.filter(
    (c) => c.spec.signerName === KUBELET_SERVING,
  );

interface Event {
  reason: string;
  message: string;
  reportingInstance?: string;
  involvedObject: { name: string; uid: string };
}
const ourEvents = (csr: string): Event[] =>
  (
    JSON.parse(
      kubectl('get', 'events', '-A', '--field-selector', `involvedObject.name=${csr}`, '-o', 'json'),
    ) as { items: Event[] }
  ).items.filter((e) => Object.values<string>(EVENT_REASON).includes(e.reason));

/** Is `pem` issued (signed) by the cluster CA? */
const caSigned = (pem: string) => {
  if (!pem) return false;
  const cert = new X509Certificate(pem);
  return cert.verify(new X509Certificate(cluster.ca.cert).publicKey);
};

describe('the approver in the cluster: the release image on real nodes, deployed from deploy/base', () => {
  let leaderIdentity = '';
  let leaderPod: Pod;
  let forged = '';
  let failedOverAt = 0;
  let newLeader = '';

  it('kubectl apply -k (deploy/base and a sandbox overlay) runs 2 replicas of the imported image on the infra nodes, with the service-account token; one holds the Lease', async () => {
    const applied = kubectl('apply', '-k', writeOverlay());
    expect(applied).toContain(`deployment.apps/${APP} created`);
    const running = await until(
      'two ready replicas',
      () => {
        const p = pods();
        return p.length === 2 && p.every((x) => x.status.phase === 'Running' && ready(x)) && p;
      },
      180_000,
    );
    expect(running.map((p) => p.spec.nodeName).sort()).toEqual(infra.map((n) => n.name).sort());
    for (const p of running) {
      expect(p.spec.hostNetwork).toBe(true);
      // Never pulled: the base's IfNotPresent finds the image that was imported under this name.
      expect(p.spec.containers[0]).toMatchObject({ image: IMAGE, imagePullPolicy: 'IfNotPresent' });
      expect(p.spec.volumes?.some((v) => v.secret?.secretName.startsWith(`${APP}-token-`))).toBe(true);
    }
    leaderIdentity = await until('a Lease holder', () => lease().holderIdentity);
    // Exactly one pod leads (the other waits for the Lease it sees held), and it stays so.
    leaderPod = await until('one pod leading', leadingPod);
    await sleep(3 * DEFAULT_LEASE_TIMING.retryPeriodMs);
    expect((await leadingPod())?.metadata.name).toBe(leaderPod.metadata.name);
    expect(lease().holderIdentity).toBe(leaderIdentity);
  }, 240_000);

  it('a worker joining with serverTLSBootstrap gets its serving CSR approved, and its kubelet serves the CA-signed certificate', async () => {
    worker = await RealNode.start(cluster, { name: 'worker-1' });
    const node = worker;
    const csr = await until('the worker’s serving CSR approved and issued', () =>
      servingCsrs().find((c) => c.spec.username === `system:node:${node.name}` && c.status?.certificate),
    );
    expect(csr.status?.conditions?.filter((c) => c.type === 'Approved')).toEqual([
      expect.objectContaining({ reason: APPROVED_REASON }),
    ]);
    await node.waitForServed('the CA-signed certificate', caSigned, 90_000);
    const described = await until('the approval Event', () => {
      const d = kubectl('describe', 'csr', csr.metadata.name);
      return d.includes(EVENT_REASON.approved) && d;
    });
    expect(described).toMatch(
      new RegExp(
        `Normal\\s+${EVENT_REASON.approved}\\s+.*kubectl-certs-approver\\s+approved: every check passed`,
      ),
    );
  }, 150_000);

  it('a forged CSR (an IP SAN the node does not have) is refused: kubectl describe csr names the failing check', async () => {
    const node = worker as RealNode;
    const filed = await fileServingCsr(cluster, node.identity, {
      ips: [node.ip, node.network.externalIp],
    });
    forged = filed.name;
    const described = await until('the refusal Event', () => {
      const d = kubectl('describe', 'csr', forged);
      return d.includes(EVENT_REASON.refused) && d;
    });
    expect(described).toMatch(
      new RegExp(
        `Warning\\s+${EVENT_REASON.refused}\\s+.*refused, left Pending: ip-sans: IP SAN ${node.network.externalIp.replaceAll('.', '\\.')} is not an InternalIP or ExternalIP of Node ${node.name}`,
      ),
    );
    expect(kubectl('get', 'csr', forged, '-o', 'jsonpath={.status.conditions}')).toBe('');
  });

  it('a real Prometheus scrapes both pods at their nodes’ addresses: leader 1 on exactly one, and its decisions', async () => {
    const target = (n: RealNode) => `${n.ip}:${METRICS_PORT}`;
    prometheus = await startPrometheus(cluster, 'prometheus', infra.map(target));
    const leaders = await until('both pods scraped', async () => {
      const r = await prometheus.query(METRICS.leader);
      return r.length === 2 && r;
    });
    const leaderTarget = target(nodeOf(leaderPod));
    expect(Object.fromEntries(leaders.map((s) => [s.metric.instance, s.value]))).toEqual(
      Object.fromEntries(infra.map((n) => [target(n), target(n) === leaderTarget ? 1 : 0])),
    );
    const decisions = await until('the decisions scraped', async () => {
      const r = await prometheus.query(`sum by (decision, check) (${METRICS.decisions})`);
      return r.length >= 2 && r;
    });
    const byDecision = Object.fromEntries(
      decisions.map((d) => [`${d.metric.decision}/${d.metric.check}`, d.value]),
    );
    expect(byDecision['approve/none']).toBeGreaterThanOrEqual(1);
    expect(byDecision['refuse/ip-sans']).toBe(1);
    expect(await prometheus.query(`max(${METRICS.pendingCsrs})`)).toMatchObject([{ value: 1 }]);
  });

  it('the leader crashes (its container SIGKILLed: no release) and its pod is gone: the other replica takes the Lease within the lease duration', async () => {
    const before = lease();
    expect(before.holderIdentity).toBe(leaderIdentity);
    const victim = nodeOf(leaderPod);
    // A killed container that its kubelet restarts campaigns too, and may win the race for the
    // expired Lease. So that the other replica is the one that takes over, the crashed pod does
    // not come back: its node is cordoned (no replacement is scheduled there) and the pod deleted
    // at once, after the kill, so the kubelet stops it instead of restarting it.
    kubectl('cordon', victim.name);
    expect(killContainersOf(victim.dir, IMAGE)).toHaveLength(1);
    kubectl('delete', 'pod', '-n', NAMESPACE, leaderPod.metadata.name, '--grace-period=0', '--force');
    newLeader = await until(
      'another holder',
      () => {
        const h = lease().holderIdentity;
        return h && h !== leaderIdentity && h;
      },
      60_000,
    );
    failedOverAt = Date.now();
    const after = lease();
    const gapSeconds = (Date.parse(after.acquireTime) - Date.parse(before.renewTime)) / 1000;
    // client-go's bound, with the defaults the base runs: the follower sees the last renewal at its
    // next try (a retry period, jittered up to 2.2x, after it), waits the lease duration from then,
    // and takes the Lease at its first try after that (another jittered retry); 1s for the calls.
    const { leaseDurationMs, retryPeriodMs } = DEFAULT_LEASE_TIMING;
    expect(after.leaseDurationSeconds * 1000).toBe(leaseDurationMs);
    expect(gapSeconds).toBeLessThanOrEqual((leaseDurationMs + 2 * 2.2 * retryPeriodMs) / 1000 + 1);
    expect(after.leaseTransitions).toBe(before.leaseTransitions + 1);
    const taker = await until('the new leader pod', leadingPod);
    expect(taker.metadata.name).not.toBe(leaderPod.metadata.name);
    expect(taker.spec.nodeName).not.toBe(victim.name);
    // The node back in service, the Deployment's replacement runs there, as a follower.
    kubectl('uncordon', victim.name);
    await until('the replacement replica ready on the uncordoned node', () => {
      const p = pods().find((x) => x.metadata.name !== taker.metadata.name);
      return p && p.metadata.name !== leaderPod.metadata.name && p.spec.nodeName === victim.name && ready(p);
    });
    const leaders = await until('the new leader scraped', async () => {
      const r = await prometheus.query(`${METRICS.leader} == 1`);
      return r.length === 1 && r[0]?.metric.instance === `${nodeOf(taker).ip}:${METRICS_PORT}` && r;
    });
    expect(leaders).toHaveLength(1);
    expect(lease().holderIdentity).toBe(newLeader);
  }, 120_000);

  it('the new leader approves the worker’s rotation; every CSR was approved once, with one Event; nothing honest is left Pending', async () => {
    const node = worker as RealNode;
    const mine = () => servingCsrs().filter((c) => c.spec.username === `system:node:${node.name}`);
    // A rotation filed after the failover (the kubelet rotates 0.6-2.2 minutes after each issue).
    const rotated = await until(
      'a rotation CSR filed after the failover, approved and issued',
      () =>
        mine().find(
          (c) =>
            c.metadata.name !== forged &&
            Date.parse(c.metadata.creationTimestamp) >= failedOverAt - 1_000 &&
            c.status?.certificate,
        ),
      240_000,
    );
    const issued = new X509Certificate(Buffer.from(rotated.status?.certificate ?? '', 'base64').toString());
    await node.waitForServed(
      'the rotated certificate',
      (pem) => caSigned(pem) && new X509Certificate(pem).serialNumber === issued.serialNumber,
      90_000,
    );
    expect(ourEvents(rotated.metadata.name).map((e) => e.reportingInstance)).toEqual([newLeader]);

    const honest = mine().filter((c) => c.metadata.name !== forged);
    expect(honest.length).toBeGreaterThanOrEqual(2);
    for (const c of honest) {
      const conditions = c.status?.conditions ?? [];
      // The kubelet may be filing its next rotation this very moment: give it time to be decided.
      if (conditions.length === 0)
        await until(`${c.metadata.name} decided`, () =>
          servingCsrs().find((x) => x.metadata.name === c.metadata.name && x.status?.conditions?.length),
        );
    }
    for (const c of mine().filter((x) => x.metadata.name !== forged)) {
      const types = (c.status?.conditions ?? []).map((x) => `${x.type}/${x.reason}`);
      expect(types, c.metadata.name).toEqual([`Approved/${APPROVED_REASON}`]);
      const events = ourEvents(c.metadata.name);
      expect(
        events.filter((e) => e.reason === EVENT_REASON.approved),
        c.metadata.name,
      ).toHaveLength(1);
      // (A refusal before its Node had its addresses would be an Event of its own, once.)
      const said = events.map((e) => `${e.reason}: ${e.message}`);
      expect(new Set(said).size, said.join('\n')).toBe(said.length);
    }
    // The forged one stays Pending (refused, not denied: no --deny), with one refusal Event even
    // though both leaders evaluated it.
    expect(servingCsrs().find((c) => c.metadata.name === forged)?.status?.conditions ?? []).toEqual([]);
    expect(ourEvents(forged).map((e) => e.reason)).toEqual([EVENT_REASON.refused]);
  }, 300_000);

  it('the leader’s pod deleted as a drain or rollout does (SIGTERM to the container’s PID 1): it releases the Lease, and the other replica takes it at its next try', async () => {
    const before = lease();
    const holder = before.holderIdentity ?? '';
    expect(holder).toBe(newLeader);
    const pod = await until('the leader pod', leadingPod, 10_000);
    const deletedAt = Date.now();
    kubectl('delete', 'pod', '-n', NAMESPACE, pod.metadata.name, '--wait=false');
    const taker = await until(
      'another holder',
      () => {
        const h = lease().holderIdentity;
        return h && h !== holder && h;
      },
      60_000,
    );
    const after = lease();
    // Released, not expired: the follower finds no holder at its next try (a retry period,
    // jittered up to 2.2x); the kubelet's SIGTERM comes at once. 1s for the calls.
    const { leaseDurationMs, retryPeriodMs } = DEFAULT_LEASE_TIMING;
    const waitedMs = Date.parse(after.acquireTime) - deletedAt;
    expect(waitedMs).toBeLessThan(leaseDurationMs);
    expect(waitedMs).toBeLessThanOrEqual(2.2 * retryPeriodMs + 1_000);
    expect(after.leaseTransitions).toBe(before.leaseTransitions + 1);
    const next = await until('the new leader pod', leadingPod);
    expect(next.metadata.name).not.toBe(pod.metadata.name);
    expect(taker).not.toBe(holder);
  }, 120_000);
});
