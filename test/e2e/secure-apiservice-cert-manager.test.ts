import { execFile, execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCall, apiRequest } from '../sandbox/api.ts';
import { startCaInjector } from '../sandbox/cert-manager-cainjector.ts';
import { startCertManagerController } from '../sandbox/cert-manager-controller.ts';
import { CERT_MANAGER_CRDS } from '../sandbox/cert-manager-crds.ts';
import { Cluster } from '../sandbox/cluster.ts';
import type { ControlLoop } from '../sandbox/control-loop.ts';
import {
  followingServingSecret,
  releaseDeployment,
  stageMetricsServer,
} from '../sandbox/metrics-server-stage.ts';
import type { MetricsServerStandIn } from '../sandbox/metrics-server-standin.ts';
import { waitFor } from '../sandbox/processes.ts';
import { RealNode } from '../sandbox/real-node.ts';
import { runCli } from './cli.ts';

// `secure metrics-server --apply --leg apiservice` on a cluster with cert-manager: the command must
// see cert-manager running (its CustomResourceDefinition certificates.cert-manager.io, and the
// leader-election Leases its controller and cainjector renew in kube-system), leave the CA to it
// (Issuers and Certificates, no CA of kubectl-certs) and let its cainjector fill the APIService's
// caBundle; the real aggregator then verifies metrics-server with that caBundle. With the CRDs
// left but nothing running (the stand-ins stopped: their Leases released), it must say so and use
// its own CA instead.
//
// cert-manager's controller and cainjector are STAND-INS: their images come from a container
// registry, and this machine reaches only npm and Debian's packages, so they cannot run. The API
// server holds cert-manager's CRDs (test/sandbox/cert-manager-crds.ts: its group, names, scope and
// version v1, the schema's lower levels open), and two reconcile loops in this process play the
// controller (test/sandbox/cert-manager-controller.ts: selfSigned and CA Issuers, the Certificate's
// Secret made by openssl) and the cainjector (test/sandbox/cert-manager-cainjector.ts), each holding
// its Lease as cert-manager's leader election does (test/sandbox/control-loop.ts). Real: the
// API server storing and serving cert-manager.io/v1, the aggregator verifying with the injected CA,
// the real kubectl, and metrics-server's stand-in serving the Secret cert-manager's stand-in wrote.
let cluster: Cluster;
let node: RealNode;
let standIn: MetricsServerStandIn;
let controller: ControlLoop;
let injector: ControlLoop;

const admin = () => ({ KUBECONFIG: cluster.adminKubeconfig });
const env = () => ({ PATH: process.env.PATH, HOME: cluster.dir, ...admin() });
/**
 * kubectl in the background: the stand-ins (metrics-server's, cert-manager's) answer from this
 * process, so the event loop must run (a blocked one fails the aggregator's availability check,
 * and kubectl top then meets a 503).
 */
const kubectl = async (args: string[]) =>
  (await promisify(execFile)('kubectl', args, { encoding: 'utf8', env: env() })).stdout;
const json = async (args: string[]) => JSON.parse(await kubectl([...args, '-o', 'json']));
const absent = async (args: string[]) => {
  try {
    await kubectl(args);
    return false;
  } catch (e) {
    return String((e as { stderr?: string }).stderr).includes('NotFound');
  }
};
const b64text = (s: string | undefined) => Buffer.from(s ?? '', 'base64').toString('utf8');
/**
 * `--apply` of the APIService leg while the stand-in serves the Secret it writes, as a new
 * metrics-server pod would. The Deployment was made by a plain create, so its args belong to
 * another field manager. A --timeout within the test's: when the caBundle never comes, --apply
 * rolls back and says why.
 */
const applyApiServiceLeg = () =>
  followingServingSecret(cluster, standIn, () =>
    runCli(
      [
        'secure',
        'metrics-server',
        '--apply',
        '--leg',
        'apiservice',
        '--force-conflicts',
        '--timeout',
        '100s',
      ],
      admin(),
    ),
  );
const metricsThroughAggregator = async () =>
  (await apiRequest(cluster.admin, 'GET', '/apis/metrics.k8s.io/v1beta1/nodes')).status === 200;

beforeAll(async () => {
  cluster = await Cluster.start();
  node = await RealNode.start(cluster, { serverTLSBootstrap: false });
  ({ standIn } = await stageMetricsServer(cluster, [node]));
  for (const crd of CERT_MANAGER_CRDS)
    await apiCall(cluster.admin, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd);
  await waitFor(
    'cert-manager.io/v1 served',
    async () => {
      const r = await apiRequest<{ resources?: { name: string }[] }>(
        cluster.admin,
        'GET',
        '/apis/cert-manager.io/v1',
      );
      return r.status === 200 && (r.body.resources ?? []).filter((x) => !x.name.includes('/')).length === 3;
    },
    { timeoutMs: 60_000 },
  );
  controller = startCertManagerController(cluster.admin, cluster.dir);
  injector = startCaInjector(cluster.admin);
  await Promise.all([controller.leading, injector.leading]);
  // The starting point answers (insecurely): metrics through the aggregator.
  await waitFor('metrics through the aggregator', metricsThroughAggregator, { timeoutMs: 60_000 });
}, 240_000);
afterAll(async () => {
  await injector?.stop();
  await controller?.stop();
  await standIn?.stop();
  await node?.stop();
  await cluster?.stop();
});

describe('secure metrics-server --apply, the APIService leg, with cert-manager', { timeout: 180_000 }, () => {
  it('the plan finds cert-manager running (its CustomResourceDefinition and Leases) and leaves the certificates to it', async () => {
    const r = await runCli(['secure', 'metrics-server', '-o', 'json'], admin());
    expect(r.stderr).toBe('');
    const leg = JSON.parse(r.stdout).apiServiceLeg;
    expect(leg).toMatchObject({ state: 'ready', issuer: 'cert-manager' });
    expect(leg.issuerNotes).toEqual([
      expect.stringMatching(
        /^cert-manager's controller is running: the Lease kube-system\/cert-manager-controller was renewed \S+Z, \d+s ago \(by \S+-external-cert-manager-controller, lease 60s\)$/,
      ),
      expect.stringMatching(
        /^cert-manager's cainjector is running: the Lease kube-system\/cert-manager-cainjector-leader-election was renewed \S+Z, \d+s ago \(by \S+_[0-9a-f-]{36}, lease 60s\)$/,
      ),
    ]);
    expect(leg.steps[0]).toBe(
      'a cert-manager Certificate for metrics-server.kube-system.svc, metrics-server.kube-system, metrics-server into the Secret metrics-server-tls, and the cainjector annotation on the APIService',
    );
  });

  it('a Lease it may not read: the plan names the permission and cannot choose, not "no cert-manager"', async () => {
    // A user who may read what the plan reads, but no coordination.k8s.io Lease.
    await apiCall(cluster.admin, 'POST', '/apis/rbac.authorization.k8s.io/v1/clusterroles', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'read-but-leases' },
      rules: [
        {
          apiGroups: [
            '',
            'apps',
            'apiregistration.k8s.io',
            'apiextensions.k8s.io',
            'certificates.k8s.io',
            'metrics.k8s.io',
          ],
          resources: ['*'],
          verbs: ['get', 'list', 'watch'],
        },
      ],
    });
    await apiCall(cluster.admin, 'POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'read-but-leases' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'read-but-leases' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'lease-blind' }],
    });
    const user = { KUBECONFIG: cluster.userCredentials('lease-blind').kubeconfig };
    const r = await runCli(['secure', 'metrics-server', '-o', 'json'], user);
    expect(r.stderr).toBe('');
    const leg = JSON.parse(r.stdout).apiServiceLeg;
    expect(leg.state).toBe('blocked');
    const forbidden = (who: string, lease: string) =>
      `cannot tell whether cert-manager's ${who} is running: reading the Lease kube-system/${lease} is forbidden (missing permission: get leases "${lease}" (coordination.k8s.io) in namespace kube-system)`;
    expect(leg.findings.at(-1)).toBe(
      `${forbidden('controller', 'cert-manager-controller')}; ${forbidden('cainjector', 'cert-manager-cainjector-leader-election')}: grant that, or choose with --issuer=cert-manager or --issuer=kubectl-certs`,
    );
    expect(r.code).toBe(3);
    // Choosing needs no Lease.
    const own = await runCli(['secure', 'metrics-server', '-o', 'json', '--issuer', 'kubectl-certs'], user);
    expect(JSON.parse(own.stdout).apiServiceLeg).toMatchObject({
      state: 'ready',
      issuer: 'a CA that kubectl-certs creates',
      issuerNotes: [],
    });
  });

  it('writes Issuers and Certificates cert-manager acts on, annotates the APIService, makes no CA of its own; the aggregator verifies with the injected caBundle: kubectl top node works', async () => {
    // The stand-in serves the Secret cert-manager's stand-in writes.
    const r = await applyApiServiceLeg();
    const context = `controller: ${controller.lastError() ?? 'ok'}; cainjector: ${injector.lastError() ?? 'ok'}\n${r.stderr}`;
    expect(
      r.stderr.split('\n').filter((l) => l.startsWith('error')),
      context,
    ).toEqual([]);
    expect(r.code, context).toBe(0);
    expect(r.stdout).toContain('APIService leg of Deployment kube-system/metrics-server: verified\n');

    // The Certificates, read back through cert-manager's CRDs (their short name), Ready by its stand-in.
    const certs = (await json(['get', 'certs', '-n', 'kube-system'])).items as {
      metadata: { name: string };
      spec: Record<string, unknown>;
      status?: { conditions?: { type: string; status: string }[] };
    }[];
    const byName = Object.fromEntries(certs.map((c) => [c.metadata.name, c]));
    expect(Object.keys(byName).sort()).toEqual(['metrics-server-ca', 'metrics-server-tls']);
    expect(byName['metrics-server-ca']?.spec).toMatchObject({
      isCA: true,
      commonName: 'kubectl-certs metrics-server CA',
      secretName: 'metrics-server-ca',
      issuerRef: { name: 'metrics-server-selfsigned', kind: 'Issuer' },
    });
    expect(byName['metrics-server-tls']?.spec).toMatchObject({
      secretName: 'metrics-server-tls',
      commonName: 'metrics-server.kube-system.svc',
      dnsNames: ['metrics-server.kube-system.svc', 'metrics-server.kube-system', 'metrics-server'],
      usages: ['server auth', 'digital signature'],
      issuerRef: { name: 'metrics-server-ca', kind: 'Issuer' },
    });
    for (const c of certs)
      expect(c.status?.conditions?.find((x) => x.type === 'Ready')?.status, c.metadata.name).toBe('True');
    const issuers = (await json(['get', 'issuers', '-n', 'kube-system'])).items.map(
      (i: { metadata: { name: string }; spec: object }) => [i.metadata.name, i.spec],
    );
    expect(issuers.sort()).toEqual([
      ['metrics-server-ca', { ca: { secretName: 'metrics-server-ca' } }],
      ['metrics-server-selfsigned', { selfSigned: {} }],
    ]);

    // The APIService: the cainjector's annotation, verification on, the CA cert-manager made.
    const api = await json(['get', 'apiservice', 'v1beta1.metrics.k8s.io']);
    expect(api.metadata.annotations['cert-manager.io/inject-ca-from']).toBe('kube-system/metrics-server-tls');
    expect(api.spec.insecureSkipTLSVerify ?? false).toBe(false);
    const bundle = b64text(api.spec.caBundle);
    const ca = await json(['get', 'secret', '-n', 'kube-system', 'metrics-server-ca']);
    expect(bundle).toBe(b64text(ca.data['tls.crt']));
    const serving = await json(['get', 'secret', '-n', 'kube-system', 'metrics-server-tls']);
    expect(b64text(serving.data['ca.crt'])).toBe(bundle);
    const file = join(cluster.dir, 'injected-ca-bundle.crt');
    writeFileSync(file, bundle);
    expect(
      execFileSync(
        'openssl',
        [
          'verify',
          '-CAfile',
          file,
          '-purpose',
          'sslserver',
          '-verify_hostname',
          'metrics-server.kube-system.svc',
        ],
        { input: b64text(serving.data['tls.crt']), encoding: 'utf8' },
      ),
    ).toBe('stdin: OK\n');

    // Nothing of the CA kubectl-certs makes without cert-manager: no CA Secret, no namespace for
    // it, no RBAC for the approver's renewal (cert-manager renews).
    expect(await kubectl(['get', 'secrets', '-A', '-o', 'name'])).not.toContain(
      'kubectl-certs-metrics-server-ca',
    );
    expect(await absent(['get', 'namespace', 'kubectl-certs'])).toBe(true);
    expect(await absent(['get', 'clusterrole', 'kubectl-certs-approver-metrics-apiservice'])).toBe(true);
    expect(
      await absent(['get', 'role', '-n', 'kube-system', 'kubectl-certs-approver-metrics-server-tls']),
    ).toBe(true);

    // metrics-server serves the Secret cert-manager fills; the real kubectl, through the aggregator.
    const pod = (await json(['get', 'deployment', '-n', 'kube-system', 'metrics-server'])).spec.template.spec;
    expect(pod.volumes).toContainEqual({
      name: 'kubectl-certs-tls',
      secret: { secretName: 'metrics-server-tls', defaultMode: 420 },
    });
    const top = await kubectl(['top', 'node']);
    expect(top).toMatch(new RegExp(`^${node.name}\\s+\\d+m\\s+\\d+%\\s+\\d+Mi\\s+\\d+%`, 'm'));
    const plan = await runCli(['secure', 'metrics-server', '-o', 'json'], admin());
    expect(JSON.parse(plan.stdout).apiServiceLeg).toMatchObject({ state: 'done', findings: [] });
  });
});

describe('secure metrics-server, cert-manager CRDs installed but no controller running', {
  timeout: 180_000,
}, () => {
  it('the plan says which Lease shows it and when it was renewed; --apply uses our CA, and verifies', async () => {
    // cert-manager uninstalled but its CRDs left: its controller and cainjector stop, releasing
    // their Leases as they do on SIGTERM. Back to the insecure start: cert-manager's objects gone,
    // the release Deployment and APIService.
    await injector.stop();
    await controller.stop();
    await kubectl(['delete', 'certificates,issuers', '--all', '-n', 'kube-system']);
    await kubectl(['delete', 'secret', '-n', 'kube-system', 'metrics-server-tls', 'metrics-server-ca']);
    await apiCall(
      cluster.admin,
      'PUT',
      '/apis/apps/v1/namespaces/kube-system/deployments/metrics-server',
      releaseDeployment(),
    );
    await kubectl([
      'patch',
      'apiservice',
      'v1beta1.metrics.k8s.io',
      '--type',
      'merge',
      '-p',
      JSON.stringify({
        metadata: { annotations: { 'cert-manager.io/inject-ca-from': null } },
        spec: { caBundle: null, insecureSkipTLSVerify: true },
      }),
    ]);
    await waitFor('metrics through the aggregator', metricsThroughAggregator, { timeoutMs: 60_000 });
    for (const name of ['cert-manager-controller', 'cert-manager-cainjector-leader-election'])
      expect((await json(['get', 'lease', '-n', 'kube-system', name])).spec.holderIdentity ?? '').toBe('');

    const released = (who: string, lease: string) =>
      new RegExp(
        `^cert-manager's ${who} is not running: the Lease kube-system/${lease} is held by no one \\(released; last renewed \\S+Z, \\d+s ago\\)$`,
      );
    const notes = [
      expect.stringMatching(released('controller', 'cert-manager-controller')),
      expect.stringMatching(released('cainjector', 'cert-manager-cainjector-leader-election')),
      "cert-manager's CRDs are installed but it cannot issue now, so the serving certificate comes from a CA that kubectl-certs creates (--issuer=cert-manager to use cert-manager anyway)",
    ];
    const plan = await runCli(['secure', 'metrics-server', '-o', 'json'], admin());
    expect(plan.stderr).toBe('');
    const leg = JSON.parse(plan.stdout).apiServiceLeg;
    expect(leg).toMatchObject({ state: 'ready', issuer: 'a CA that kubectl-certs creates' });
    expect(leg.issuerNotes).toEqual(notes);
    // The table says it under the serving certificate's line.
    const table = await runCli(['secure', 'metrics-server'], admin());
    const lines = table.stdout.split('\n');
    const at = lines.findIndex((l) => l.includes('(from a CA that kubectl-certs creates)'));
    expect(at, table.stdout).toBeGreaterThan(0);
    expect(lines.slice(at + 1, at + 4).map((l) => l.trim())).toEqual(notes);

    const r = await applyApiServiceLeg();
    expect(
      r.stderr.split('\n').filter((l) => l.startsWith('error')),
      r.stderr,
    ).toEqual([]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('APIService leg of Deployment kube-system/metrics-server: verified\n');
    // Our CA, not cert-manager's objects: no Certificate, no annotation for a cainjector that is not there.
    expect((await json(['get', 'certs', '-n', 'kube-system'])).items).toEqual([]);
    const api = await json(['get', 'apiservice', 'v1beta1.metrics.k8s.io']);
    expect(api.metadata.annotations?.['cert-manager.io/inject-ca-from']).toBeUndefined();
    const ca = await json(['get', 'secret', '-n', 'kubectl-certs', 'kubectl-certs-metrics-server-ca']);
    expect(b64text(api.spec.caBundle)).toBe(b64text(ca.data['tls.crt']));
    const top = await kubectl(['top', 'node']);
    expect(top).toMatch(new RegExp(`^${node.name}\\s+\\d+m\\s+\\d+%\\s+\\d+Mi\\s+\\d+%`, 'm'));
  });
});
