import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { Cluster } from '../sandbox/cluster.ts';
import { startFaultProxy } from '../sandbox/fault-proxy.ts';
import { writeKubeconfig } from '../sandbox/kubeconfig.ts';
import { followingServingSecret, RELEASE_ARGS, stageMetricsServer } from '../sandbox/metrics-server-stage.ts';
import type { MetricsServerStandIn } from '../sandbox/metrics-server-standin.ts';
import { waitFor } from '../sandbox/processes.ts';
import { RealNode } from '../sandbox/real-node.ts';
import { runCli } from './cli.ts';

// `secure metrics-server` on the demo's stage (metrics-server as its release manifest installs it,
// insecure on both legs: --kubelet-insecure-tls, insecureSkipTLSVerify) on a cluster with
// kube-scheduler and one real kubelet, self-signed, then restarted with serverTLSBootstrap: its
// serving CSR pending. One sandbox for the file: first what must leave the cluster as it is (a
// server dry run, the API server lost half-way), then both legs in one --apply, and kubectl top
// node through the aggregator.
let cluster: Cluster;
let node: RealNode;
let standIn: MetricsServerStandIn;
let admin: { KUBECONFIG: string };

/** The real kubectl, straight to the API server (never through the fault proxy), in the background. */
const kubectl = async (...args: string[]) =>
  (
    await promisify(execFile)('kubectl', args, {
      encoding: 'utf8',
      env: { PATH: process.env.PATH, HOME: cluster.dir, KUBECONFIG: cluster.adminKubeconfig },
    })
  ).stdout;
/** kubectl get -o json, with the managedFields kubectl hides by default. */
const json = async (...args: string[]) =>
  JSON.parse(await kubectl(...args, '--show-managed-fields', '-o', 'json'));
const MS = ['-n', 'kube-system', 'deployment', 'metrics-server'];
const APISERVICE = ['apiservice', 'v1beta1.metrics.k8s.io'];
const CA_SECRET = ['-n', 'kubectl-certs', 'secret', 'kubectl-certs-metrics-server-ca'];
const TLS_SECRET = ['-n', 'kube-system', 'secret', 'metrics-server-tls'];
const CA_FLAG = '--kubelet-certificate-authority=/etc/kubernetes/kubelet-ca/ca.crt';
const TLS_FLAGS = [
  '--tls-cert-file=/etc/kubernetes/metrics-server-tls/tls.crt',
  '--tls-private-key-file=/etc/kubernetes/metrics-server-tls/tls.key',
];

/** What --apply may change, as the API server holds it: compared before and after what must change nothing. */
async function snapshot() {
  const d = await json('get', ...MS);
  const a = await json('get', ...APISERVICE);
  return {
    deployment: { generation: d.metadata.generation, managedFields: d.metadata.managedFields },
    apiService: { resourceVersion: a.metadata.resourceVersion, spec: a.spec },
    // The service account controller's token Secrets come and go with namespaces: not --apply's.
    secrets: await kubectl(
      'get',
      'secrets',
      '-A',
      '--field-selector=type!=kubernetes.io/service-account-token',
      '-o',
      'jsonpath={range .items[*]}{.metadata.namespace}/{.metadata.name}{"\\n"}{end}',
    ),
    namespaces: await kubectl('get', 'namespaces', '-o', 'name'),
    rbac: await kubectl('get', 'roles,rolebindings,clusterroles,clusterrolebindings', '-A', '-o', 'name'),
  };
}

beforeAll(async () => {
  cluster = await Cluster.start({ scheduler: true });
  admin = { KUBECONFIG: cluster.adminKubeconfig };
  // As the demo has it: a kubelet serving a self-signed certificate, metrics-server reading it insecurely...
  node = await RealNode.start(cluster, { name: 'both-legs', serverTLSBootstrap: false });
  ({ standIn } = await stageMetricsServer(cluster, [node]));
  await kubectl('rollout', 'status', ...MS.slice(0, 2), 'deployment/metrics-server', '--timeout=120s');
  // The starting point answers, insecurely: kubectl top node (once the aggregator has the APIService).
  await waitFor(
    'kubectl top node, insecure',
    () => kubectl('top', 'node').then((top) => new RegExp(`^${node.name}\\s+\\d+m`, 'm').test(top)),
    { timeoutMs: 60_000 },
  );
  // ...then set to ask for a CA-signed one: its kubelet-serving CSR waits for approval.
  await node.restartKubelet(true);
  await node.pendingServingCsr();
}, 300_000);
afterAll(async () => {
  await standIn?.stop();
  await node?.stop();
  await cluster?.stop();
});

describe('secure metrics-server on the release manifest: both legs', { timeout: 240_000 }, () => {
  it('--dry-run=server of the APIService leg prints what the API server would store, and stores nothing', async () => {
    const before = await snapshot();
    expect(before.deployment.managedFields.length).toBeGreaterThan(0);
    const r = await runCli(
      [
        'secure',
        'metrics-server',
        '--dry-run=server',
        '--leg',
        'apiservice',
        '--force-conflicts',
        '-o',
        'yaml',
      ],
      admin,
    );
    // The CA Secret goes into the namespace the dry run would create, which the API server cannot dry-run into.
    expect(r.stderr).toBe(
      'warning: Secret kubectl-certs/kubectl-certs-metrics-server-ca was not sent: its namespace kubectl-certs does not exist yet (a dry run creates none), so the API server cannot dry-run it\n',
    );
    expect(r.code).toBe(3);
    const items = parse(r.stdout).items as {
      kind: string;
      metadata: {
        name: string;
        namespace?: string;
        uid?: string;
        generation?: number;
        managedFields?: { manager: string }[];
      };
      spec?: Record<string, unknown>;
    }[];
    // As stored: the API server's answers (a uid, managedFields), not what was sent; the CA Secret as sent.
    expect(
      items.map((i) => [
        `${i.kind} ${i.metadata.namespace ?? ''}/${i.metadata.name}`,
        i.metadata.uid !== undefined,
        i.metadata.managedFields?.map((f) => f.manager).includes('kubectl-certs') ?? false,
      ]),
    ).toEqual([
      ['Namespace /kubectl-certs', true, true],
      ['Secret kubectl-certs/kubectl-certs-metrics-server-ca', false, false],
      ['Secret kube-system/metrics-server-tls', true, true],
      ['Role kube-system/kubectl-certs-approver-metrics-server-tls', true, true],
      ['RoleBinding kube-system/kubectl-certs-approver-metrics-server-tls', true, true],
      ['ClusterRole /kubectl-certs-approver-metrics-apiservice', true, true],
      ['ClusterRoleBinding /kubectl-certs-approver-metrics-apiservice', true, true],
      // Its own manager: kubectl-certs-apiservice-leg (below). 1.20's aggregator keeps no managedFields.
      ['Deployment kube-system/metrics-server', true, false],
      ['APIService /v1beta1.metrics.k8s.io', true, false],
    ]);
    const deployment = items.find((i) => i.kind === 'Deployment');
    expect(deployment?.metadata.generation).toBe(before.deployment.generation + 1);
    expect(deployment?.metadata.managedFields?.map((f) => f.manager)).toContain(
      'kubectl-certs-apiservice-leg',
    );
    const pod = (deployment?.spec as { template: { spec: { containers: { args: string[] }[] } } } | undefined)
      ?.template.spec;
    expect(pod?.containers[0]?.args).toEqual([...RELEASE_ARGS, ...TLS_FLAGS]);
    const apiService = items.find((i) => i.kind === 'APIService')?.spec as Record<string, unknown>;
    expect(apiService.insecureSkipTLSVerify ?? false).toBe(false);
    expect(Buffer.from(String(apiService.caBundle), 'base64').toString()).toMatch(
      /^-----BEGIN CERTIFICATE-----/,
    );
    // Nothing stored: the same generation and managedFields, the same APIService, no Secret, no RBAC.
    expect(await snapshot()).toEqual(before);
  });

  it('the API server lost half-way through the APIService leg: what is left is named, and is what the cluster holds', async () => {
    const before = await snapshot();
    // Everything after the serving Secret's write stalls: the API server is gone for the CLI.
    let cut = false;
    const proxy = await startFaultProxy(cluster, (req) => {
      if (cut) return true;
      if (
        req.method === 'PATCH' &&
        req.url?.startsWith('/api/v1/namespaces/kube-system/secrets/metrics-server-tls')
      )
        cut = true;
      return false;
    });
    try {
      try {
        const kc = writeKubeconfig(
          join(mkdtempSync(join(cluster.dir, 'cut-')), 'kubeconfig'),
          proxy.creds,
          'admin',
        );
        const r = await runCli(
          [
            'secure',
            'metrics-server',
            '--apply',
            '--leg',
            'apiservice',
            '--force-conflicts',
            '--timeout',
            '10s',
            '--request-timeout',
            '2s',
          ],
          { KUBECONFIG: kc },
        );
        expect(cut).toBe(true);
        expect(r.stderr.split('\n').filter((l) => l.startsWith('error: '))).toEqual([
          'error: the APIService leg failed: reading Role kube-system/kubectl-certs-approver-metrics-server-tls: no answer within 2s (--request-timeout)',
          'error: rollback incomplete: Secret kube-system/metrics-server-tls is left as --apply made it (created Secret kube-system/metrics-server-tls: a serving certificate for metrics-server.kube-system.svc, metrics-server.kube-system, metrics-server from kubectl-certs metrics-server CA): reading Secret kube-system/metrics-server-tls: no answer within 2s (--request-timeout)',
          "error: rollback incomplete: Secret kubectl-certs/kubectl-certs-metrics-server-ca is left as --apply made it (created Secret kubectl-certs/kubectl-certs-metrics-server-ca: kubectl-certs metrics-server CA, new; its key readable by the approver's service account only): reading Secret kubectl-certs/kubectl-certs-metrics-server-ca: no answer within 2s (--request-timeout)",
          'error: rollback incomplete: Namespace kubectl-certs is left as --apply made it (created Namespace kubectl-certs: where the CA is kept (the approver installs into it too)): reading Namespace kubectl-certs: no answer within 2s (--request-timeout)',
        ]);
        expect(r.stdout).toMatch(
          /^APIService leg of Deployment kube-system\/metrics-server: rollback incomplete\n/,
        );
        // What it did before the cut, as a result's changes.
        expect(r.stdout.split('\n').filter((l) => l.startsWith('  changed: '))).toEqual([
          '  changed: created Namespace kubectl-certs: where the CA is kept (the approver installs into it too)',
          "  changed: created Secret kubectl-certs/kubectl-certs-metrics-server-ca: kubectl-certs metrics-server CA, new; its key readable by the approver's service account only",
          '  changed: created Secret kube-system/metrics-server-tls: a serving certificate for metrics-server.kube-system.svc, metrics-server.kube-system, metrics-server from kubectl-certs metrics-server CA',
        ]);
        expect(r.code).toBe(5);
      } finally {
        await proxy.stop();
      }
      // What the cluster holds, asked directly: exactly the three objects named, written by kubectl-certs.
      const after = await snapshot();
      expect(after.deployment).toEqual(before.deployment);
      expect(after.apiService).toEqual(before.apiService);
      expect(after.rbac).toEqual(before.rbac);
      const added = (a: string, b: string) => a.split('\n').filter((l) => l && !b.split('\n').includes(l));
      expect(added(after.secrets, before.secrets).sort()).toEqual([
        'kube-system/metrics-server-tls',
        'kubectl-certs/kubectl-certs-metrics-server-ca',
      ]);
      expect(added(after.namespaces, before.namespaces)).toEqual(['namespace/kubectl-certs']);
      for (const o of [CA_SECRET, TLS_SECRET])
        expect(
          (await json('get', ...o)).metadata.managedFields.map((f: { manager: string }) => f.manager),
        ).toEqual(['kubectl-certs']);
    } finally {
      // Removing what was named (as its reader would) puts the cluster back where the stage left it.
      await kubectl('delete', '--ignore-not-found', ...TLS_SECRET);
      await kubectl('delete', '--ignore-not-found', 'namespace', 'kubectl-certs');
    }
    expect(await snapshot()).toMatchObject({ secrets: before.secrets, namespaces: before.namespaces });
  });

  it('one --apply secures both legs from the release manifest: each verified, then kubectl top node through the caBundle', async () => {
    expect((await json('get', ...MS)).spec.template.spec.containers[0].args).toContain(
      '--kubelet-insecure-tls',
    );
    expect((await json('get', ...APISERVICE)).spec.insecureSkipTLSVerify).toBe(true);
    // The stage's Deployment was made by a plain create: its args are another manager's, taken with --force-conflicts.
    const r = await followingServingSecret(cluster, standIn, () =>
      runCli(['secure', 'metrics-server', '--apply', '--force-conflicts', '--timeout', '120s'], admin),
    );
    expect(r.stderr.split('\n').filter((l) => l.startsWith('error'))).toEqual([]);
    expect(r.code).toBe(0);
    // What each leg did: the kubelet leg approved the kubelet's CSR and edited the Deployment; the
    // APIService leg made the CA, the serving Secret, the approver's RBAC, and edited both objects.
    expect(r.stdout.replace(/csr-\w+/, 'csr-X')).toBe(
      [
        'Kubelet leg of Deployment kube-system/metrics-server: verified',
        '  approved csr-X (both-legs): every check passed',
        '  changed: Verify kubelets with the cluster CA (mount kube-root-ca.crt, use --kubelet-certificate-authority)',
        'APIService leg of Deployment kube-system/metrics-server: verified',
        '  changed: created Namespace kubectl-certs: where the CA is kept (the approver installs into it too)',
        "  changed: created Secret kubectl-certs/kubectl-certs-metrics-server-ca: kubectl-certs metrics-server CA, new; its key readable by the approver's service account only",
        '  changed: created Secret kube-system/metrics-server-tls: a serving certificate for metrics-server.kube-system.svc, metrics-server.kube-system, metrics-server from kubectl-certs metrics-server CA',
        "  changed: created Role kube-system/kubectl-certs-approver-metrics-server-tls: the approver may renew it (service account kubectl-certs/kubectl-certs-approver: no approver is installed, so approver install's defaults (name yours with --approver-namespace and --approver-name))",
        "  changed: created RoleBinding kube-system/kubectl-certs-approver-metrics-server-tls: the approver may renew it (service account kubectl-certs/kubectl-certs-approver: no approver is installed, so approver install's defaults (name yours with --approver-namespace and --approver-name))",
        "  changed: created ClusterRole kubectl-certs-approver-metrics-apiservice: the approver may renew it (service account kubectl-certs/kubectl-certs-approver: no approver is installed, so approver install's defaults (name yours with --approver-namespace and --approver-name))",
        "  changed: created ClusterRoleBinding kubectl-certs-approver-metrics-apiservice: the approver may renew it (service account kubectl-certs/kubectl-certs-approver: no approver is installed, so approver install's defaults (name yours with --approver-namespace and --approver-name))",
        '  changed: changed Deployment kube-system/metrics-server: serves metrics-server-tls (--tls-cert-file, --tls-private-key-file, mounted read-only)',
        '  changed: changed APIService v1beta1.metrics.k8s.io: caBundle = kubectl-certs metrics-server CA; insecureSkipTLSVerify false',
        '',
      ].join('\n'),
    );
    // Both legs' proofs went through the aggregator.
    expect(
      r.stderr.match(
        /GET \/apis\/metrics\.k8s\.io\/v1beta1\/nodes through the API server lists every node \(1\)\n/g,
      ),
    ).toHaveLength(2);
    // Both legs' edits stand side by side: each leg's mount is there (two field managers).
    const d = await json('get', ...MS);
    const pod = d.spec.template.spec;
    expect(pod.containers[0].args).toEqual([...RELEASE_ARGS.slice(0, -1), CA_FLAG, ...TLS_FLAGS]);
    expect(pod.containers[0].volumeMounts.map((m: { mountPath: string }) => m.mountPath)).toEqual([
      '/tmp',
      '/etc/kubernetes/kubelet-ca',
      '/etc/kubernetes/metrics-server-tls',
    ]);
    expect(pod.volumes.map((v: { name: string }) => v.name)).toEqual([
      'tmp-dir',
      'kube-root-ca',
      'kubectl-certs-tls',
    ]);
    const spec = (await json('get', ...APISERVICE)).spec;
    expect(spec.insecureSkipTLSVerify ?? false).toBe(false);
    const ca = await json('get', ...CA_SECRET);
    expect(spec.caBundle).toBe(ca.data['tls.crt']);
    const top = await kubectl('top', 'node');
    expect(top).toMatch(new RegExp(`^${node.name}\\s+\\d+m\\s+\\d+%\\s+\\d+Mi\\s+\\d+%`, 'm'));
    // The plan now finds nothing to do.
    const plan = await runCli(['secure', 'metrics-server', '-o', 'json'], admin);
    expect(JSON.parse(plan.stdout)).toMatchObject({
      done: true,
      kubeletLeg: { state: 'done' },
      apiServiceLeg: { state: 'done' },
    });
    expect(plan.code).toBe(0);
  });
});
