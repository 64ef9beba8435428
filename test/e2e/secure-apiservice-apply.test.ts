import { execFile, execFileSync, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { apiRequest } from '../sandbox/api.ts';
import { Cluster } from '../sandbox/cluster.ts';
import { writeTokenKubeconfig } from '../sandbox/kubeconfig.ts';
import {
  exposeStandIn,
  followingServingSecret,
  RELEASE_ARGS,
  readServingSecret,
  releaseDeployment,
} from '../sandbox/metrics-server-stage.ts';
import type { MetricsServerStandIn } from '../sandbox/metrics-server-standin.ts';
import { makeCa } from '../sandbox/pki.ts';
import { waitFor } from '../sandbox/processes.ts';
import { RealNode } from '../sandbox/real-node.ts';
import { CLI, type CliResult, runCli } from './cli.ts';

// `secure metrics-server --apply`, the APIService leg, verified by the real aggregator: the command
// makes a CA and metrics-server's serving Secret, edits the Deployment and the APIService; the
// stand-in plays metrics-server's new pod by serving the Secret the command wrote (read back from
// the API server), behind a selector-less Service and its Endpoints. Then `kubectl top node` (the
// real kubectl) goes through the aggregator with the real caBundle and insecureSkipTLSVerify false.
// The approver is installed as a user may install it, in a namespace and under a name of their
// own: the CA and the renewal's rights must follow it there.
let cluster: Cluster;
let node: RealNode;
let standIn: MetricsServerStandIn;
let selfSigned: { cert: string; key: string };
let pki: string;

const env = () => ({ PATH: process.env.PATH, HOME: cluster.dir, KUBECONFIG: cluster.adminKubeconfig });
const kubectl = (args: string[], input?: string) =>
  execFileSync('kubectl', args, { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], env: env() });
/** kubectl in the background: the stand-in answers from this process, so the event loop must run. */
const kubectlAsync = async (args: string[]) =>
  (await promisify(execFile)('kubectl', args, { encoding: 'utf8', env: env() })).stdout;
const apply = (objects: object[]) =>
  kubectl(['apply', '-f', '-'], objects.map((o) => `---\n${stringify(o)}`).join(''));
const json = (args: string[]) => JSON.parse(kubectl([...args, '-o', 'json']));

/** The release Deployment's own volume, as the API server stores it. */
const TMP_DIR = { name: 'tmp-dir', emptyDir: {} };

/** The Secret the command wrote, as the API server holds it (what a new pod would mount). */
const servingSecret = () => readServingSecret(cluster.admin);

/**
 * --apply as a process; while it waits for the verification, the stand-in does what a rollout of
 * the new Secret would do (`follow`), or keeps serving what it served (metrics-server not restarted).
 */
async function applyLeg(follow: boolean, extra: string[] = []): Promise<CliResult> {
  // The Deployment's args belong to kubectl apply (kubectl-client-side-apply): taking them is asked for.
  const run = () =>
    runCli(['secure', 'metrics-server', ...LEG, '--force-conflicts', ...extra], {
      KUBECONFIG: cluster.adminKubeconfig,
    });
  return follow ? followingServingSecret(cluster, standIn, run) : run();
}

/** The APIService leg alone: this cluster has no scheduler, so the kubelet leg's rollout could never finish. */
const LEG = ['--apply', '--leg', 'apiservice'];
/** `approver install -n certs-system --name approver` (its pods never run here: no scheduler). */
const APPROVER = { namespace: 'certs-system', name: 'approver' };
const CA_SECRET = `${APPROVER.namespace}/kubectl-certs-metrics-server-ca`;
/** Its ServiceAccount (install names it after the approver), whom the leg's Roles bind. */
const SA_USER = `system:serviceaccount:${APPROVER.namespace}:${APPROVER.name}`;

const apiServiceSpec = () => json(['get', 'apiservice', 'v1beta1.metrics.k8s.io']).spec;
const deploymentPod = () =>
  json(['get', 'deployment', '-n', 'kube-system', 'metrics-server']).spec.template.spec;

beforeAll(async () => {
  cluster = await Cluster.start();
  node = await RealNode.start(cluster, { serverTLSBootstrap: false });
  // What metrics-server serves before: a certificate of its own making (from a CA nobody trusts).
  ({ standIn, pki, serving: selfSigned } = await exposeStandIn(cluster, node, { apiService: true }));
  apply([releaseDeployment()]);
  // The starting point answers (insecurely): metrics through the aggregator.
  await waitFor(
    'metrics through the aggregator',
    async () => (await apiRequest(cluster.admin, 'GET', '/apis/metrics.k8s.io/v1beta1/nodes')).status === 200,
    { timeoutMs: 60_000 },
  );
}, 240_000);
afterAll(async () => {
  await standIn?.stop();
  await node?.stop();
  await cluster?.stop();
});

describe('secure metrics-server --apply: the APIService leg', { timeout: 180_000 }, () => {
  it("--dry-run=client, no approver installed: approver install's defaults, said so; nothing written", async () => {
    const r = await runCli(['secure', 'metrics-server', ...LEG, '--dry-run=client'], {
      KUBECONFIG: cluster.adminKubeconfig,
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(3);
    expect(r.stdout).toContain(
      "readable only by the approver that renews it: service account kubectl-certs/kubectl-certs-approver: no approver is installed, so approver install's defaults",
    );
    expect(r.stdout).toContain(
      '  created Secret kubectl-certs/kubectl-certs-metrics-server-ca: kubectl-certs metrics-server CA, new',
    );
    expect(await servingSecret()).toBeUndefined();
  });

  it('finds the approver that approver install put in a namespace of its own, and writes nothing in a dry run', async () => {
    const install = await runCli(['approver', 'install', '-n', APPROVER.namespace, '--name', APPROVER.name], {
      KUBECONFIG: cluster.adminKubeconfig,
    });
    expect(install.code).toBe(0);
    const r = await runCli(['secure', 'metrics-server', ...LEG, '--dry-run=client'], {
      KUBECONFIG: cluster.adminKubeconfig,
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('APIService leg (--dry-run=client: nothing was sent):\n');
    expect(r.stdout).toContain(
      `readable only by the approver that renews it: service account ${APPROVER.namespace}/${APPROVER.name}, of the approver's Deployment ${APPROVER.namespace}/${APPROVER.name})`,
    );
    expect(r.stdout).toContain(`  created Secret ${CA_SECRET}: kubectl-certs metrics-server CA, new`);
    expect(r.stdout).not.toContain('kubectl-certs/kubectl-certs-metrics-server-ca');
    expect(r.stdout).toContain(
      '  changed APIService v1beta1.metrics.k8s.io: caBundle = kubectl-certs metrics-server CA',
    );
    expect(await servingSecret()).toBeUndefined();
    expect(apiServiceSpec().insecureSkipTLSVerify).toBe(true);
  });

  it('refuses a metrics-server that Helm manages, and says where the change belongs', async () => {
    kubectl([
      'label',
      'deployment',
      '-n',
      'kube-system',
      'metrics-server',
      'app.kubernetes.io/managed-by=Helm',
    ]);
    try {
      const r = await runCli(['secure', 'metrics-server', ...LEG], {
        KUBECONFIG: cluster.adminKubeconfig,
      });
      expect(r).toMatchObject({
        code: 3,
        stderr:
          "error: Deployment kube-system/metrics-server is managed by Helm (label app.kubernetes.io/managed-by=Helm): an edit here would be undone at its next sync, so nothing was changed. Change it in Helm's source; the chart values: kubectl certs secure metrics-server -n kube-system --name metrics-server --print-values\n",
      });
      expect(await servingSecret()).toBeUndefined();
    } finally {
      kubectl([
        'label',
        'deployment',
        '-n',
        'kube-system',
        'metrics-server',
        'app.kubernetes.io/managed-by-',
      ]);
    }
  });

  it("puts everything back when the aggregator cannot verify what is served, in the aggregator's words", async () => {
    // metrics-server keeps serving its own certificate (its pods never got the new Secret).
    const r = await applyLeg(false, ['--timeout', '20s']);
    expect(r.code).toBe(4);
    expect(r.stderr.split('\n').filter((l) => l.startsWith('error: '))).toEqual([
      'error: the APIService leg failed: not verified: timed out after 20s (--timeout): GET /apis/metrics.k8s.io/v1beta1/nodes through the API server failed: HTTP 503: error trying to reach service: x509: certificate signed by unknown authority',
    ]);
    expect(r.stdout).toContain('APIService leg of Deployment kube-system/metrics-server: rolled back\n');
    expect(r.stdout).toContain('  rolled back: APIService v1beta1.metrics.k8s.io restored\n');
    expect(r.stdout).toContain('  rolled back: Secret kube-system/metrics-server-tls restored\n');
    const spec = apiServiceSpec();
    expect([spec.insecureSkipTLSVerify, spec.caBundle]).toEqual([true, undefined]);
    const pod = deploymentPod();
    expect([pod.containers[0].args, pod.volumes]).toEqual([RELEASE_ARGS, [TMP_DIR]]);
    expect(await servingSecret()).toBeUndefined();
    expect(kubectl(['get', 'secrets', '-n', APPROVER.namespace, '-o', 'name'])).not.toContain(
      'metrics-server-ca',
    );
  });

  it('gives metrics-server a certificate the aggregator verifies with the caBundle: kubectl top node works', async () => {
    // Short lifetimes, so that the approver below renews and rotates them within its test; the
    // serving certificate must outlive this test and the approver's start (on a loaded machine
    // the approver started 64 s after it was issued: 60 s was too short).
    const r = await applyLeg(true, ['--serving-validity', '120s', '--ca-validity', '240s']);
    expect(r.stderr.split('\n').filter((l) => l.startsWith('error'))).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('APIService leg of Deployment kube-system/metrics-server: verified\n');
    expect(r.stderr).toContain(
      'GET /apis/metrics.k8s.io/v1beta1/nodes through the API server lists every node (1)\n',
    );
    const spec = apiServiceSpec();
    expect(spec.insecureSkipTLSVerify ?? false).toBe(false);
    const bundle = Buffer.from(spec.caBundle, 'base64').toString('utf8');
    const ca = json(['get', 'secret', '-n', APPROVER.namespace, 'kubectl-certs-metrics-server-ca']);
    expect(ca.type).toBe('kubernetes.io/tls');
    expect(bundle).toBe(Buffer.from(ca.data['tls.crt'], 'base64').toString('utf8'));
    expect(execFileSync('openssl', ['x509', '-noout', '-subject'], { input: bundle, encoding: 'utf8' })).toBe(
      'subject=CN = kubectl-certs metrics-server CA\n',
    );
    const pod = deploymentPod();
    expect(pod.containers[0].args).toEqual([
      ...RELEASE_ARGS,
      '--tls-cert-file=/etc/kubernetes/metrics-server-tls/tls.crt',
      '--tls-private-key-file=/etc/kubernetes/metrics-server-tls/tls.key',
    ]);
    expect(pod.volumes).toEqual([
      TMP_DIR,
      { name: 'kubectl-certs-tls', secret: { secretName: 'metrics-server-tls', defaultMode: 420 } },
    ]);
    const top = await kubectlAsync(['top', 'node']);
    expect(top).toMatch(new RegExp(`^${node.name}\\s+\\d+m\\s+\\d+%\\s+\\d+Mi\\s+\\d+%`, 'm'));
    // The installed approver's service account may renew exactly these (its CA Secret: approver
    // install's Role; the rest: --apply's), and read no other Secret; the default account nothing.
    const sa = SA_USER;
    const may = (attrs: { verb: string; what: string; ns?: string; as?: string }) =>
      kubectl([
        'auth',
        'can-i',
        '--as',
        attrs.as ?? sa,
        attrs.verb as string,
        attrs.what as string,
        ...(attrs.ns ? ['-n', attrs.ns] : []),
      ]).trim();
    const answers = [
      { verb: 'update', what: 'secret/metrics-server-tls', ns: 'kube-system' },
      { verb: 'patch', what: 'apiservice.apiregistration.k8s.io/v1beta1.metrics.k8s.io' },
      { verb: 'update', what: 'secret/kubectl-certs-metrics-server-ca', ns: APPROVER.namespace },
      { verb: 'get', what: 'secret/other', ns: 'kube-system' },
      { verb: 'patch', what: 'apiservice.apiregistration.k8s.io/v1.apps' },
      {
        verb: 'update',
        what: 'secret/metrics-server-tls',
        ns: 'kube-system',
        as: 'system:serviceaccount:kubectl-certs:kubectl-certs-approver',
      },
    ].map((a) => {
      try {
        return may(a);
      } catch (e) {
        return String((e as { stdout?: string }).stdout).trim();
      }
    });
    expect(answers).toEqual(['yes', 'yes', 'yes', 'no', 'no', 'no']);
    const binding = json(['get', 'rolebinding', '-n', 'kube-system', `${APPROVER.name}-metrics-server-tls`]);
    expect(binding.subjects).toEqual([
      { kind: 'ServiceAccount', name: APPROVER.name, namespace: APPROVER.namespace },
    ]);
    // The plan now calls the leg done, from the answer through the aggregator.
    const plan = await runCli(['secure', 'metrics-server', '-o', 'json'], {
      KUBECONFIG: cluster.adminKubeconfig,
    });
    expect(JSON.parse(plan.stdout).apiServiceLeg).toMatchObject({ state: 'done', findings: [] });
  });
});

/** One Prometheus sample's value from /metrics text, or undefined. */
const sample = (text: string, name: string) =>
  text
    .split('\n')
    .find((l) => l.startsWith(`${name} `))
    ?.split(' ')[1];

describe('approver run, as its ServiceAccount, keeps the APIService leg valid: renewal and CA rotation', {
  timeout: 240_000,
}, () => {
  it('renews the serving certificate at two thirds, rotates the CA through old + new, and nothing fails meanwhile', async () => {
    const caOf = async () => Buffer.from((await servingSecret())?.ca ?? '').toString();
    // Read without kubectl's execFileSync: a blocked event loop would stall the in-process stand-in.
    const bundle = async () => {
      const r = await apiRequest<{ spec: { caBundle?: string } }>(
        cluster.admin,
        'GET',
        '/apis/apiregistration.k8s.io/v1/apiservices/v1beta1.metrics.k8s.io',
      );
      return Buffer.from(r.body.spec.caBundle ?? '', 'base64').toString('utf8');
    };
    const firstCa = await bundle();
    const firstServing = (await servingSecret())?.cert;
    // The approver's own identity, as its pod has it: a token of its ServiceAccount (TokenRequest,
    // by the real kubectl), not the admin's certificate.
    const token = kubectl([
      'create',
      'token',
      APPROVER.name,
      '-n',
      APPROVER.namespace,
      '--duration=1h',
    ]).trim();
    const saKubeconfig = writeTokenKubeconfig(
      join(cluster.dir, 'approver-sa.kubeconfig'),
      cluster.admin,
      APPROVER.name,
      token,
    );
    // Who the API server takes it for: the ServiceAccount, refused what its RBAC does not grant.
    const refused = (() => {
      try {
        return kubectl(['--kubeconfig', saKubeconfig, 'get', 'secrets', '-n', 'kube-system']);
      } catch (e) {
        return String((e as { stderr?: string }).stderr);
      }
    })();
    expect(refused).toContain(`User "${SA_USER}" cannot list resource "secrets"`);
    const started = new Date();
    // As in its pod: $POD_NAMESPACE is its own namespace, where the CA is.
    const approver = spawn(
      process.execPath,
      [
        CLI,
        'approver',
        'run',
        '--lease-namespace',
        APPROVER.namespace,
        '--bind-address',
        '127.0.0.1:0',
        '--kubelet-probe-interval',
        '0',
        '--metrics-server-renewal-interval',
        '1s',
        '--metrics-server-settle',
        '5s',
        '--metrics-server-serving-validity',
        '45s',
        '--metrics-server-ca-validity',
        '600s',
      ],
      {
        env: { ...env(), KUBECONFIG: saKubeconfig, POD_NAMESPACE: APPROVER.namespace },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let log = '';
    approver.stderr.on('data', (d) => (log += d));
    approver.stdout.on('data', () => {});
    // The stand-in follows the Secret as metrics-server follows its mounted files; every second a
    // request goes through the aggregator, and any failure is kept.
    const failures: string[] = [];
    const bundles: string[] = [firstCa];
    let serving = firstServing;
    let stop = false;
    const follow = (async () => {
      while (!stop) {
        const secret = await servingSecret();
        if (secret && secret.cert !== serving) {
          serving = secret.cert;
          standIn.setServing(secret);
        }
        const b = await bundle();
        if (b !== bundles.at(-1)) bundles.push(b);
        const r = await apiRequest(cluster.admin, 'GET', '/apis/metrics.k8s.io/v1beta1/nodes');
        if (r.status !== 200) failures.push(`${r.status}: ${String(r.body)}`);
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    })();
    try {
      // Done when the bundle holds one CA again, not the first one: rotated and the old CA dropped.
      await waitFor(
        'the CA rotated and the old one dropped',
        async () =>
          bundles.length >= 3 && bundles.at(-1) !== firstCa && bundles.at(-1)?.match(/BEGIN/g)?.length === 1,
        { timeoutMs: 200_000 },
      ).catch((e: Error) => {
        throw new Error(`${e.message.split('\n')[0]}; bundles: ${bundles.length}; approver log:\n${log}`);
      });
      const [first, both, last] = [bundles[0], bundles.at(-2), bundles.at(-1)] as string[];
      // old + new, then new only.
      expect(both).toBe(`${first}${last}`);
      expect(await caOf()).toBe(last);
      expect(serving).not.toBe(firstServing);
      // The renewed certificate verifies with the caBundle, for the name the aggregator dials.
      writeFileSync(join(pki, 'bundle.crt'), last ?? '');
      expect(
        execFileSync(
          'openssl',
          [
            'verify',
            '-CAfile',
            join(pki, 'bundle.crt'),
            '-purpose',
            'sslserver',
            '-verify_hostname',
            'metrics-server.kube-system.svc',
          ],
          { input: serving, encoding: 'utf8' },
        ),
      ).toBe('stdin: OK\n');
      expect(failures, `approver started ${started.toISOString()}; its log:\n${log}`).toEqual([]);
      // Every write was the ServiceAccount's own, and the API server refused none. (A whole "403":
      // the log names the approver's random port, and 127.0.0.1:40341 is not a refusal.)
      expect(log).not.toMatch(/\b403\b|forbidden/i);
      expect(log).toContain('metrics-server TLS: drop-previous-ca: ');
      const top = await kubectlAsync(['top', 'node']);
      expect(top).toMatch(new RegExp(`^${node.name}\\s+\\d+m`, 'm'));
      // The steps as Events on the APIService, and as a metric.
      const reasons = json([
        'get',
        'events',
        '-n',
        'default',
        '--field-selector',
        'reason=KubectlCertsMetricsServerTls,involvedObject.kind=APIService,involvedObject.name=v1beta1.metrics.k8s.io',
      ]).items.map((e: { message: string }) => e.message.split(':')[0]);
      expect(new Set(reasons)).toEqual(new Set(['issue-serving', 'rotate-ca', 'drop-previous-ca']));
      const url = log.match(/serving \/metrics, \/healthz and \/readyz on (\S+)/)?.[1];
      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(sample(metrics, 'kubectl_certs_approver_metrics_server_renewals_total{step="rotate-ca"}')).toBe(
        '1',
      );
      const expiry = Number(
        sample(metrics, 'kubectl_certs_approver_metrics_server_serving_certificate_expiry_timestamp_seconds'),
      );
      expect(expiry * 1000).toBeGreaterThan(Date.now());
      // check-expiration finds the serving certificate and its CA (the new one only, once rotated)
      // in the approver's namespace, and names our CA as the serving certificate's issuer.
      const scan = async (output: string) =>
        (
          await runCli(['check-expiration', '-o', output, '--kubelet-timeout', '2s'], {
            KUBECONFIG: cluster.adminKubeconfig,
          })
        ).stdout;
      const rows = (
        JSON.parse(await scan('json')) as {
          items: { what: string; where: string; subject: string; issuer: string; issuerKind: string }[];
        }
      ).items
        .filter((r) => r.what.startsWith('metrics-server'))
        .map((r) => [r.what, r.where, r.subject, r.issuer, r.issuerKind]);
      expect(rows.sort()).toEqual([
        [
          'metrics-server CA',
          `Secret ${CA_SECRET}`,
          'CN=kubectl-certs metrics-server CA',
          'CN=kubectl-certs metrics-server CA',
          'self-signed',
        ],
        [
          'metrics-server serving',
          'Secret kube-system/metrics-server-tls',
          'CN=metrics-server.kube-system.svc',
          'CN=kubectl-certs metrics-server CA',
          'kubectl-certs metrics-server CA',
        ],
      ]);
      expect(await scan('yaml')).toMatch(
        /what: metrics-server serving\n\s+where: Secret kube-system\/metrics-server-tls\n\s+subject: CN=metrics-server\.kube-system\.svc\n\s+issuer: CN=kubectl-certs metrics-server CA\n\s+issuerKind: kubectl-certs metrics-server CA\n/,
      );
      expect(await scan('table')).toMatch(
        /^metrics-server serving\s+Secret kube-system\/metrics-server-tls\s+CN=metrics-server\.kube-system\.svc\s+kubectl-certs metrics-server CA\s+/m,
      );
    } finally {
      stop = true;
      await follow;
      approver.kill('SIGTERM');
      await new Promise((resolve) => approver.once('close', resolve));
    }
  });

  it('a wrong CA in the caBundle now shows the x509 error through the aggregator', async () => {
    // A certificate that does not expire during the test (the approver, stopped, renews no more).
    standIn.setServing(selfSigned);
    const other = makeCa(pki, 'other-ca', '/CN=some-other-ca');
    kubectl([
      'patch',
      'apiservice',
      'v1beta1.metrics.k8s.io',
      '--type=merge',
      '-p',
      JSON.stringify({ spec: { caBundle: Buffer.from(other.cert).toString('base64') } }),
    ]);
    let last = '';
    await waitFor(
      'the x509 error',
      async () => {
        const r = await apiRequest(cluster.admin, 'GET', '/apis/metrics.k8s.io/v1beta1/nodes');
        last = String(r.body);
        // The aggregator may first say "service unavailable" while its availability check settles.
        return r.status === 503 && last.includes('x509');
      },
      { timeoutMs: 60_000 },
    );
    expect(last).toBe('error trying to reach service: x509: certificate signed by unknown authority\n');
  });
});
