import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual, promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { apiCall } from '../sandbox/api.ts';
import { Cluster } from '../sandbox/cluster.ts';
import { startFaultProxy } from '../sandbox/fault-proxy.ts';
import { writeKubeconfig } from '../sandbox/kubeconfig.ts';
import {
  exposeStandIn,
  RELEASE_ARGS,
  releaseDeployment,
  releaseIdentity,
} from '../sandbox/metrics-server-stage.ts';
import type { MetricsServerStandIn } from '../sandbox/metrics-server-standin.ts';
import { waitFor } from '../sandbox/processes.ts';
import { RealNode } from '../sandbox/real-node.ts';
import { CLI, runCli } from './cli.ts';

// `secure metrics-server --apply` on a cluster of its own with kube-scheduler and two real nodes:
// ms-boot asks for a CA-signed serving certificate (its CSR waits for approval), ms-self serves a
// self-signed one, as kubeadm leaves it. metrics-server's Deployment runs the sandbox's pause image
// on the real nodes (so its rollout is the deployment controller's and the kubelets' own), and
// its part behind the APIService is played by the stand-in, which the real aggregator reaches and
// which scrapes the kubelets as the Deployment's flags and mounts say (a wrong mount verifies nothing).
let cluster: Cluster;
let nodes: RealNode[] = [];
let standIn: MetricsServerStandIn;
let admin: { KUBECONFIG: string };
let scratch: string;

const run = promisify(execFile);
/** kubectl in the background: the stand-in answers discovery from this process. */
const kubectl = async (args: string[], input?: string) => {
  const p = run('kubectl', args, {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: cluster.dir, KUBECONFIG: cluster.adminKubeconfig },
  });
  if (input !== undefined) p.child.stdin?.end(input);
  return (await p).stdout;
};
/**
 * `kubectl replace` of metrics-server's Deployment, tried again on 409: kube-apiserver 1.20's
 * unconditional update stamps the object with the version it read, so a status write by the
 * Deployment controller in between makes it a Conflict.
 */
async function replaceDeployment(d: object): Promise<void> {
  for (let attempt = 1; ; attempt++)
    try {
      await kubectl(['replace', '-f', '-'], stringify(d));
      return;
    } catch (e) {
      if (attempt >= 5 || !String((e as { stderr?: string }).stderr).includes('(Conflict)')) throw e;
    }
}
const apply = (objects: object[]) =>
  kubectl(['apply', '-f', '-'], objects.map((o) => `---\n${stringify(o)}`).join(''));

interface Deployment {
  metadata: { generation: number; managedFields?: { manager: string; operation: string }[] };
  spec: {
    template: {
      spec: {
        containers: { args: string[]; volumeMounts?: { name: string; mountPath: string }[] }[];
        volumes?: { name: string }[];
      };
    };
  };
}
const metricsServer = () =>
  apiCall<Deployment>(
    cluster.admin,
    'GET',
    '/apis/apps/v1/namespaces/kube-system/deployments/metrics-server',
  );
const args = async () => (await metricsServer()).spec.template.spec.containers[0]?.args ?? [];
const managers = async () => (await metricsServer()).metadata.managedFields?.map((f) => f.manager) ?? [];

const CA_FLAG = '--kubelet-certificate-authority=/etc/kubernetes/kubelet-ca/ca.crt';

const deployment = releaseDeployment();

/**
 * metrics-server's Deployment back as its manifest says, rolled out. A replace, not a delete: the
 * sandbox runs no garbage collector, so a deleted Deployment's ReplicaSets and pods would stay.
 */
async function originalDeployment(verb: 'apply' | 'replace' = 'replace'): Promise<void> {
  if (verb === 'apply') await kubectl(['apply', '-f', '-'], stringify(deployment));
  else await replaceDeployment(deployment);
  await kubectl(['rollout', 'status', '-n', 'kube-system', 'deployment/metrics-server', '--timeout=150s']);
}

// The kubelet leg alone: the stand-in here serves a certificate of its own CA, not the one the
// APIService leg would make (secure-apiservice-apply.test.ts has that leg).
const APPLY = [
  'secure',
  'metrics-server',
  '--apply',
  '--leg',
  'kubelet',
  '--allow-unverified-nodes',
  'ms-self',
];

beforeAll(async () => {
  cluster = await Cluster.start({ scheduler: true });
  admin = { KUBECONFIG: cluster.adminKubeconfig };
  scratch = mkdtempSync(join(cluster.dir, 'secure-apply-'));
  nodes = await Promise.all([
    RealNode.start(cluster, { name: 'ms-boot', serverTLSBootstrap: true }),
    RealNode.start(cluster, { name: 'ms-self', serverTLSBootstrap: false }),
  ]);
  // The release manifest's Service and APIService; the Service has no selector, its Endpoints name the stand-in.
  ({ standIn } = await exposeStandIn(cluster, nodes[0] as RealNode, { apiService: true }));
  await originalDeployment('apply');
}, 300_000);
afterAll(async () => {
  await standIn?.stop();
  await Promise.all(nodes.map((n) => n.stop()));
  await cluster?.stop();
});

describe('kubectl certs secure metrics-server --apply (the kubelet leg, on real kubelets)', {
  timeout: 180_000,
}, () => {
  it('refuses a Deployment Helm manages, points to --print-values, and writes nothing', async () => {
    await kubectl([
      'label',
      'deployment',
      '-n',
      'kube-system',
      'metrics-server',
      'app.kubernetes.io/managed-by=Helm',
    ]);
    try {
      const r = await runCli([...APPLY, '--force-conflicts'], admin);
      expect(r.stderr).toBe(
        "error: Deployment kube-system/metrics-server is managed by Helm (label app.kubernetes.io/managed-by=Helm): an edit here would be undone at its next sync, so nothing was changed. Change it in Helm's source; the chart values: kubectl certs secure metrics-server -n kube-system --name metrics-server --print-values\n",
      );
      expect(r.code).toBe(3);
      expect(await args()).toEqual(RELEASE_ARGS);
    } finally {
      await kubectl([
        'label',
        'deployment',
        '-n',
        'kube-system',
        'metrics-server',
        'app.kubernetes.io/managed-by-',
      ]);
    }
  });

  it('names the missing permission before writing anything (RBAC)', async () => {
    // A user who may read everything, as the plan needs, but write nothing.
    await apply([
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: 'read-everything' },
        rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['get', 'list', 'watch'] }],
      },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: 'secure-reader' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'read-everything' },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'secure-reader' }],
      },
    ]);
    const reader = cluster.userCredentials('secure-reader');
    const r = await runCli(APPLY, { KUBECONFIG: reader.kubeconfig });
    expect(r.stderr).toBe(
      'error: missing permission: patch deployments "metrics-server" (apps) in namespace kube-system (secure metrics-server --apply needs it); nothing was changed\n',
    );
    expect(r.code).toBe(1);
    expect(await managers()).not.toContain('kubectl-certs');
  });

  it("approves ms-boot's safe CSR, then refuses while the self-signed ms-self would fail verification, naming it", async () => {
    await waitFor(
      "ms-boot's kubelet-serving CSR",
      async () =>
        (
          await apiCall<{ items: { spec: { username: string } }[] }>(
            cluster.admin,
            'GET',
            '/apis/certificates.k8s.io/v1/certificatesigningrequests',
          )
        ).items.some((c) => c.spec.username === 'system:node:ms-boot'),
      { timeoutMs: 60_000 },
    );
    const before = (await metricsServer()).metadata.generation;
    const r = await runCli(
      ['secure', 'metrics-server', '--apply', '--leg', 'kubelet', '--timeout', '60s'],
      admin,
    );
    expect(r.stderr).toMatch(/^approved csr-\S+ \(ms-boot\): /m);
    const selfIp = (nodes[1] as RealNode).ip;
    expect(r.stderr).toContain(
      `error: the kubelet leg is blocked: ms-self would fail verification (x509: cannot validate certificate for ${selfIp} because it doesn't contain any IP SANs); metrics-server would stop scraping it. Fix it first (the plan gives the steps), or accept it with --allow-unverified-nodes ms-self\n`,
    );
    expect(r.code).toBe(3);
    expect((await metricsServer()).metadata.generation).toBe(before);
    // The approved kubelet now verifies: the plan says so.
    const plan = JSON.parse((await runCli(['secure', 'metrics-server', '-o', 'json'], admin)).stdout);
    expect(plan.kubelets).toEqual(
      expect.arrayContaining([expect.objectContaining({ node: 'ms-boot', verifies: true })]),
    );
  });

  it('--dry-run=client prints the server-side apply object, only the fields it changes, and sends nothing', async () => {
    const r = await runCli(
      [...APPLY.filter((a) => a !== '--apply'), '--dry-run=client', '-o', 'yaml'],
      admin,
    );
    expect(r.code).toBe(3);
    const list = parse(r.stdout);
    expect(list).toMatchObject({ apiVersion: 'v1', kind: 'List' });
    expect(list.items).toEqual([
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'metrics-server', namespace: 'kube-system' },
        spec: {
          template: {
            spec: {
              containers: [
                {
                  name: 'metrics-server',
                  args: [...RELEASE_ARGS.slice(0, -1), CA_FLAG],
                  volumeMounts: [
                    { name: 'kube-root-ca', mountPath: '/etc/kubernetes/kubelet-ca', readOnly: true },
                  ],
                },
              ],
              volumes: [
                {
                  name: 'kube-root-ca',
                  configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] },
                },
              ],
            },
          },
        },
      },
    ]);
    expect(await args()).toEqual(RELEASE_ARGS);
    // As a table: the plan first, then the same object as YAML.
    const table = await runCli([...APPLY.filter((a) => a !== '--apply'), '--dry-run=client'], admin);
    const [plan, objects] = table.stdout.split(
      '\nWould apply (server-side apply, field manager kubectl-certs; --dry-run=client: nothing was sent):\n---\n',
    );
    expect(plan).toMatch(/^metrics-server: Deployment kube-system\/metrics-server\n/);
    expect(plan).toContain('This is the plan: nothing was changed.\n');
    expect(parse(objects as string)).toEqual(list.items[0]);
    expect(table.code).toBe(3);
  });

  it('a field kubectl apply owns is a conflict: the manager and the field are named, nothing is forced', async () => {
    const r = await runCli(APPLY, admin);
    expect(r.stderr).toContain(
      'error: Deployment kube-system/metrics-server was not changed: its fields belong to another field manager (.spec.template.spec.containers[name="metrics-server"].args is managed by "kubectl-client-side-apply"). Change them where that manager\'s source is, or take them over with --force-conflicts',
    );
    expect(r.code).toBe(1);
    expect(await args()).toEqual(RELEASE_ARGS);
    expect(await managers()).not.toContain('kubectl-certs');
  });

  it('--dry-run=server shows what the API server would store, and changes nothing', async () => {
    const r = await runCli(
      [...APPLY.filter((a) => a !== '--apply'), '--dry-run=server', '--force-conflicts', '-o', 'json'],
      admin,
    );
    expect(r.code).toBe(3);
    const stored = JSON.parse(r.stdout).items[0];
    expect(stored.spec.template.spec.containers[0].args).toEqual([...RELEASE_ARGS.slice(0, -1), CA_FLAG]);
    expect(stored.metadata.managedFields.map((f: { manager: string }) => f.manager)).toContain(
      'kubectl-certs',
    );
    expect(await args()).toEqual(RELEASE_ARGS);
    expect(await managers()).not.toContain('kubectl-certs');
    // Without the allowance, the self-signed kubelet is a warning: a dry run refuses nothing.
    const blocked = await runCli(
      ['secure', 'metrics-server', '--dry-run=server', '--leg', 'kubelet', '--force-conflicts'],
      admin,
    );
    expect(blocked.stderr).toMatch(/^warning: the kubelet leg is blocked: .*ms-self would fail verification/);
    expect(blocked.stdout).toContain('The API server would store (--dry-run=server: nothing was changed):\n');
    expect(blocked.stdout).toContain(`- ${CA_FLAG}\n`);
    expect(blocked.code).toBe(3);
  });

  it('applies the edit under kubectl-certs, waits for the rollout, and verifies through the real aggregator', async () => {
    const r = await runCli([...APPLY, '--force-conflicts', '--timeout', '120s'], admin);
    expect(r.stderr).toContain(
      'applied Deployment kube-system/metrics-server (server-side apply, field manager kubectl-certs): ',
    );
    expect(r.stderr).toContain('deployment "metrics-server" successfully rolled out\n');
    expect(r.stderr).toContain(
      'GET /apis/metrics.k8s.io/v1beta1/nodes through the API server lists every node (1)\n',
    );
    expect(r.stdout).toMatch(/^Kubelet leg of Deployment kube-system\/metrics-server: verified\n/);
    expect(r.code).toBe(0);
    const d = await metricsServer();
    expect(d.spec.template.spec.containers[0]?.args).toEqual([...RELEASE_ARGS.slice(0, -1), CA_FLAG]);
    expect(d.spec.template.spec.volumes?.map((v) => v.name)).toEqual(['tmp-dir', 'kube-root-ca']);
    expect(d.metadata.managedFields).toContainEqual(
      expect.objectContaining({ manager: 'kubectl-certs', operation: 'Apply' }),
    );
    // The pod of the new template runs on a real node, with kube-root-ca.crt mounted.
    const pods = await apiCall<{
      items: { status: { phase: string }; spec: { volumes: { name: string }[] } }[];
    }>(cluster.admin, 'GET', '/api/v1/namespaces/kube-system/pods?labelSelector=k8s-app%3Dmetrics-server');
    expect(
      pods.items.filter((p) => p.status.phase === 'Running').map((p) => p.spec.volumes.map((v) => v.name)),
    ).toContainEqual(expect.arrayContaining(['kube-root-ca']));
    // Done: a second --apply changes nothing.
    const again = await runCli(APPLY, admin);
    expect(again.stdout).toContain('nothing to change: it verifies already');
    expect(again.code).toBe(0);
  });

  describe('the stand-in scrapes the kubelets as the Deployment says (after ms-boot was approved)', () => {
    const CA_DIR = '/etc/kubernetes/kubelet-ca';
    const SECURE_ARGS = [...RELEASE_ARGS.slice(0, -1), CA_FLAG];
    const ipSans = () =>
      `x509: cannot validate certificate for ${(nodes[1] as RealNode).ip} because it doesn't contain any IP SANs`;
    const unreadable = `open ${CA_DIR}/ca.crt: no such file or directory`;
    /** The release Deployment with these args, and `configMap`'s ca.crt mounted at `at` (none: no mount). */
    const variant = (args: string[], mount?: { configMap: string; at: string }) => {
      const d = structuredClone(deployment) as {
        spec: { template: { spec: { containers: Record<string, unknown>[]; volumes: object[] } } };
      };
      const pod = d.spec.template.spec;
      const c = pod.containers[0] as { args: string[]; volumeMounts: object[] };
      c.args = args;
      if (mount) {
        c.volumeMounts.push({ name: 'kubelet-ca', mountPath: mount.at, readOnly: true });
        pod.volumes.push({
          name: 'kubelet-ca',
          configMap: { name: mount.configMap, items: [{ key: 'ca.crt', path: 'ca.crt' }] },
        });
      }
      return d;
    };
    const forbidden = 'request failed, status: "403 Forbidden"';
    const cases: {
      name: string;
      deployment?: object;
      /** false: the ServiceAccount without the release's ClusterRoleBinding system:metrics-server. */
      rbac?: false;
      listed: string[];
      omitted: () => Record<string, string>;
      /** What each kubelet logs (its webhook's decision). */
      kubeletLog?: string;
    }[] = [
      {
        name: 'as --apply left it (kube-root-ca.crt at the CA flag): ms-boot verified, self-signed ms-self left out in Go words',
        listed: ['ms-boot'],
        omitted: () => ({ 'ms-self': ipSans() }),
      },
      {
        name: 'the release args (--kubelet-insecure-tls): every kubelet scraped unverified',
        deployment: variant(RELEASE_ARGS),
        listed: ['ms-boot', 'ms-self'],
        omitted: () => ({}),
      },
      {
        name: 'another CA mounted there: the name is checked first (ms-self), then the chain (ms-boot)',
        deployment: variant(SECURE_ARGS, { configMap: 'other-ca', at: CA_DIR }),
        listed: [],
        omitted: () => ({ 'ms-boot': 'x509: certificate signed by unknown authority', 'ms-self': ipSans() }),
      },
      {
        name: 'the CA flag with nothing mounted: metrics-server cannot read its CA, no node is scraped',
        deployment: variant(SECURE_ARGS),
        listed: [],
        omitted: () => ({ 'ms-boot': unreadable, 'ms-self': unreadable }),
      },
      {
        name: 'the CA mounted at another path than the flag names: the same',
        deployment: variant(SECURE_ARGS, { configMap: 'kube-root-ca.crt', at: '/etc/kubelet-ca' }),
        listed: [],
        omitted: () => ({ 'ms-boot': unreadable, 'ms-self': unreadable }),
      },
      {
        name: 'both flags: metrics-server refuses to start',
        deployment: variant([...RELEASE_ARGS, CA_FLAG], { configMap: 'kube-root-ca.crt', at: CA_DIR }),
        listed: [],
        omitted: () => {
          const r = 'cannot use both --kubelet-certificate-authority and --kubelet-insecure-tls';
          return { 'ms-boot': r, 'ms-self': r };
        },
      },
      {
        name: "no kubelet CA flag: the service account's ca.crt (the cluster CA) verifies",
        deployment: variant(RELEASE_ARGS.slice(0, -1)),
        listed: ['ms-boot'],
        omitted: () => ({ 'ms-self': ipSans() }),
      },
      {
        name: 'without the ClusterRoleBinding: each kubelet answers 403 (its webhook asked the API server), no node is scraped',
        deployment: variant(RELEASE_ARGS),
        rbac: false,
        listed: [],
        omitted: () => ({ 'ms-boot': forbidden, 'ms-self': forbidden }),
        kubeletLog:
          'Forbidden (user=system:serviceaccount:kube-system:metrics-server, verb=get, resource=nodes, subresource=metrics)',
      },
    ];
    const [serviceAccount, , binding] = releaseIdentity();
    const bindingPath = '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/system:metrics-server';
    /**
     * The ServiceAccount made again: a new UID, so a new identity to the kubelets, which cache the
     * webhook's decisions for the old one (allowed: 5 minutes, denied: 30 seconds). Its pods
     * restarted, as their token (the old account's Secret) is gone with it.
     */
    const renewServiceAccount = async () => {
      await apiCall(cluster.admin, 'DELETE', '/api/v1/namespaces/kube-system/serviceaccounts/metrics-server');
      await apiCall(cluster.admin, 'POST', '/api/v1/namespaces/kube-system/serviceaccounts', serviceAccount);
      await kubectl(['rollout', 'restart', '-n', 'kube-system', 'deployment/metrics-server']);
      await kubectl([
        'rollout',
        'status',
        '-n',
        'kube-system',
        'deployment/metrics-server',
        '--timeout=150s',
      ]);
    };

    it.each(cases)('$name', async (c) => {
      await apply([
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'other-ca', namespace: 'kube-system' },
          data: { 'ca.crt': readFileSync(join(cluster.dir, 'pki', 'front-proxy-ca.crt'), 'utf8') },
        },
      ]);
      if (c.deployment) await replaceDeployment(c.deployment);
      if (c.rbac === false) {
        await apiCall(cluster.admin, 'DELETE', bindingPath);
        await renewServiceAccount();
      }
      // Through the real aggregator, as kubectl top node asks; the stand-in reads the template once a second.
      const answer = async () => ({
        listed: (
          await apiCall<{ items: { metadata: { name: string } }[] }>(
            cluster.admin,
            'GET',
            '/apis/metrics.k8s.io/v1beta1/nodes',
          )
        ).items
          .map((i) => i.metadata.name)
          .sort(),
        omitted: Object.fromEntries(standIn.omitted()),
      });
      const want = { listed: c.listed, omitted: c.omitted() };
      let got: Awaited<ReturnType<typeof answer>> | undefined;
      try {
        // A node is listed from its kubelet's second sample (CPU is a rate): about 10 s apart.
        await waitFor(
          'the stand-in to scrape as the Deployment says',
          async () => {
            got = await answer();
            return isDeepStrictEqual(got, want);
          },
          { timeoutMs: 40_000 },
        ).catch(() => {});
        expect(got).toEqual(want);
        for (const n of c.kubeletLog ? nodes : [])
          expect(readFileSync(join(n.dir, 'logs', 'kubelet.log'), 'utf8')).toContain(c.kubeletLog);
      } finally {
        if (c.rbac === false) {
          await apiCall(
            cluster.admin,
            'POST',
            '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings',
            binding,
          );
          await renewServiceAccount();
        }
      }
    });

    it('reports each node as metrics-server does: CPU the rate between two kubelet samples, memory the working set', async () => {
      await replaceDeployment(variant(RELEASE_ARGS));
      type Item = {
        metadata: { name: string };
        timestamp: string;
        window: string;
        usage: Record<string, string>;
      };
      const units: Record<string, number> = {
        n: 1e-9,
        u: 1e-6,
        m: 1e-3,
        '': 1,
        Ki: 2 ** 10,
        Mi: 2 ** 20,
        Gi: 2 ** 30,
      };
      const amount = (q: string) => {
        const [, n, unit] = q.match(/^(\d+)(n|u|m|Ki|Mi|Gi|)$/) ?? [];
        return Number(n) * (units[unit ?? 'none'] ?? Number.NaN);
      };
      /** The kubelet's own sample now, through the node proxy: its memory and its time as metav1.Time says it. */
      const sample = async (node: string) => {
        const r = await apiCall<string>(cluster.admin, 'GET', `/api/v1/nodes/${node}/proxy/metrics/resource`);
        const [, bytes, ms] = r.match(/^node_memory_working_set_bytes (\S+) (\d+)$/m) ?? [];
        return { bytes: Number(bytes), at: `${new Date(Number(ms)).toISOString().slice(0, 19)}Z` };
      };
      // The answer's memory is the working set of the kubelet's sample of that second; the kubelet
      // may make more than one a second, so compared until one answer and one sample are the same.
      let compared: { node: string; cores: number; bytes: number; kubeletBytes: number; window: string }[] =
        [];
      const same = () => compared.length === 2 && compared.every((c) => c.bytes === c.kubeletBytes);
      await waitFor(
        "the answer on each node's sample of now",
        async () => {
          const { items } = await apiCall<{ items: Item[] }>(
            cluster.admin,
            'GET',
            '/apis/metrics.k8s.io/v1beta1/nodes',
          );
          compared = [];
          for (const i of items) {
            const s = await sample(i.metadata.name);
            if (s.at !== i.timestamp) return false;
            compared.push({
              node: i.metadata.name,
              cores: amount(i.usage.cpu ?? ''),
              bytes: amount(i.usage.memory ?? ''),
              kubeletBytes: s.bytes,
              window: i.window,
            });
          }
          return same();
        },
        { timeoutMs: 40_000 },
      ).catch(() => {});
      expect(compared.map((c) => c.node).sort()).toEqual(['ms-boot', 'ms-self']);
      for (const c of compared) {
        expect(c.bytes).toBe(c.kubeletBytes);
        // A rate: above zero and at most every core of this machine (the nodes share it); a cumulative counter is far above.
        expect(c.cores).toBeGreaterThan(0);
        expect(c.cores).toBeLessThanOrEqual(cpus().length);
        // Go's Duration text; it can be well under a second: the stand-in scrapes on request, and the
        // kubelet sometimes has a new sample for a request soon after the last.
        expect(c.window).toMatch(/^(\d+m)?\d+(\.\d+)?(ms|s)$/);
      }
      // The real kubectl reads the same answer through the aggregator.
      const top = await kubectl(['top', 'node', '--no-headers']);
      expect(
        top
          .split('\n')
          .filter(Boolean)
          .map((l) => l.split(/\s+/)[0])
          .sort(),
      ).toEqual(['ms-boot', 'ms-self']);
    });
  });

  it("rolls back when the aggregator cannot verify metrics-server, quoting the aggregator's x509 error", async () => {
    await originalDeployment();
    const ca = readFileSync(join(cluster.dir, 'pki', 'ca.crt'));
    await kubectl([
      'patch',
      'apiservice',
      'v1beta1.metrics.k8s.io',
      '--type=merge',
      '-p',
      JSON.stringify({ spec: { insecureSkipTLSVerify: false, caBundle: ca.toString('base64') } }),
    ]);
    try {
      const r = await runCli([...APPLY, '--force-conflicts', '--timeout', '20s'], admin);
      expect(r.stderr).toMatch(
        /^error: the kubelet leg failed: not verified: timed out after 20s \(--timeout\): GET \/apis\/metrics\.k8s\.io\/v1beta1\/nodes through the API server failed: HTTP 503: error trying to reach service: x509: certificate signed by unknown authority\n/m,
      );
      expect(r.stdout).toContain('  rolled back: Deployment kube-system/metrics-server restored\n');
      expect(r.code).toBe(4);
      const d = await metricsServer();
      expect(d.spec.template.spec.containers[0]?.args).toEqual(RELEASE_ARGS);
      expect(d.spec.template.spec.volumes?.map((v) => v.name)).toEqual(['tmp-dir']);
      await kubectl(['rollout', 'status', '-n', 'kube-system', 'deployment/metrics-server', '--timeout=60s']);
    } finally {
      await kubectl([
        'patch',
        'apiservice',
        'v1beta1.metrics.k8s.io',
        '--type=json',
        '-p',
        JSON.stringify([
          { op: 'replace', path: '/spec/insecureSkipTLSVerify', value: true },
          { op: 'remove', path: '/spec/caBundle' },
        ]),
      ]);
    }
  });

  it('a rollout that never becomes ready ends at --timeout and is rolled back', async () => {
    await originalDeployment();
    // No node takes the new pod: the old one keeps running, the new one stays Pending.
    for (const n of nodes) await kubectl(['cordon', n.name]);
    try {
      const r = await runCli([...APPLY, '--force-conflicts', '--timeout', '15s'], admin);
      expect(r.stderr).toMatch(
        /^error: the kubelet leg failed: the rollout did not finish: timed out after 15s \(--timeout\): Waiting for deployment "metrics-server" rollout to finish: /m,
      );
      expect(r.stdout).toContain('  rolled back: Deployment kube-system/metrics-server restored\n');
      expect(r.code).toBe(4);
      expect(await args()).toEqual(RELEASE_ARGS);
    } finally {
      for (const n of nodes) await kubectl(['uncordon', n.name]);
    }
  });

  it('SIGINT while waiting for the rollout rolls back what was applied', async () => {
    await originalDeployment();
    for (const n of nodes) await kubectl(['cordon', n.name]);
    try {
      const cli = spawn(process.execPath, [CLI, ...APPLY, '--force-conflicts', '--timeout', '120s'], {
        env: { PATH: process.env.PATH, HOME: '/nonexistent', ...admin },
      });
      let stdout = '';
      let stderr = '';
      cli.stdout.on('data', (d) => (stdout += d));
      // Interrupted once the patch is in and the rollout is being waited for.
      cli.stderr.on('data', (d) => {
        stderr += d;
        if (stderr.includes('Waiting for deployment') && !cli.killed) cli.kill('SIGINT');
      });
      const [code] = (await once(cli, 'close')) as [number];
      expect(stderr).toContain('SIGINT: stopping; what --apply changed is rolled back');
      expect(stderr).toMatch(
        /^error: the kubelet leg failed: the rollout did not finish: interrupted \(SIGINT\): /m,
      );
      expect(stdout).toContain('  rolled back: Deployment kube-system/metrics-server restored\n');
      expect(code).toBe(4);
      expect(await args()).toEqual(RELEASE_ARGS);
    } finally {
      for (const n of nodes) await kubectl(['uncordon', n.name]);
    }
  });

  it('the API server unreachable after the patch: the rollback cannot happen either, and what is left is said', async () => {
    await originalDeployment();
    let patched = false;
    const proxy = await startFaultProxy(cluster, (req) => {
      if (patched) return true;
      if (req.method === 'PATCH' && req.url?.includes('/deployments/metrics-server')) patched = true;
      return false;
    });
    try {
      const kc = writeKubeconfig(join(scratch, 'proxied.kubeconfig'), proxy.creds, 'admin');
      const r = await runCli([...APPLY, '--force-conflicts', '--timeout', '5s', '--request-timeout', '2s'], {
        KUBECONFIG: kc,
      });
      expect(r.stderr).toMatch(
        /^error: the kubelet leg failed: the rollout did not finish: timed out after 5s/m,
      );
      expect(r.stderr).toContain(
        'error: rollback incomplete: Deployment kube-system/metrics-server is left as --apply made it (Verify kubelets with the cluster CA (mount kube-root-ca.crt, use --kubelet-certificate-authority)): reading Deployment kube-system/metrics-server: no answer within 2s (--request-timeout)\n',
      );
      expect(r.code).toBe(5);
      // It is so: the edit stayed.
      expect(await args()).toContain(CA_FLAG);
    } finally {
      await proxy.stop();
    }
  });

  it('the patch sent but never answered: the Deployment may be left as --apply made it (here it is not), and it says so', async () => {
    await originalDeployment();
    // The patch itself is never answered (nor anything after it): its outcome is unknown to the CLI.
    let sent = false;
    const proxy = await startFaultProxy(cluster, (req) => {
      if (req.method === 'PATCH' && req.url?.includes('/deployments/metrics-server')) sent = true;
      return sent;
    });
    try {
      const kc = writeKubeconfig(join(scratch, 'unanswered.kubeconfig'), proxy.creds, 'admin');
      const r = await runCli([...APPLY, '--force-conflicts', '--timeout', '5s', '--request-timeout', '2s'], {
        KUBECONFIG: kc,
      });
      expect(r.stderr.split('\n').filter((l) => l.startsWith('error: '))).toEqual([
        'error: the kubelet leg failed: apply Deployment kube-system/metrics-server: no answer within 2s (--request-timeout)',
        'error: rollback incomplete: Deployment kube-system/metrics-server may be left as --apply made it (Verify kubelets with the cluster CA (mount kube-root-ca.crt, use --kubelet-certificate-authority)): reading Deployment kube-system/metrics-server: no answer within 2s (--request-timeout)',
      ]);
      expect(r.code).toBe(5);
      // The patch never reached the API server: "may be", not "is".
      expect(await args()).toEqual(RELEASE_ARGS);
    } finally {
      await proxy.stop();
    }
  });

  it('the verification reads failing half-way (after the patch) roll back through a working API server', async () => {
    await originalDeployment();
    const proxy = await startFaultProxy(
      cluster,
      () => false,
      (req) =>
        req.url?.startsWith('/apis/metrics.k8s.io/')
          ? { status: 503, message: 'the metrics API is unreachable (fault-proxy)' }
          : undefined,
    );
    try {
      const kc = writeKubeconfig(join(scratch, 'metrics-down.kubeconfig'), proxy.creds, 'admin');
      const r = await runCli([...APPLY, '--force-conflicts', '--timeout', '30s'], { KUBECONFIG: kc });
      expect(r.stderr).toContain(
        'error: the kubelet leg failed: not verified: timed out after 30s (--timeout): GET /apis/metrics.k8s.io/v1beta1/nodes through the API server failed: HTTP 503: the metrics API is unreachable (fault-proxy)\n',
      );
      expect(r.stdout).toContain('  rolled back: Deployment kube-system/metrics-server restored\n');
      expect(r.code).toBe(4);
      expect(await args()).toEqual(RELEASE_ARGS);
    } finally {
      await proxy.stop();
    }
  });
});
