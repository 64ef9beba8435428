import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { Cluster } from '../sandbox/cluster.ts';
import { type FakeKubelet, startFakeKubelet } from '../sandbox/fake-kubelet.ts';
import { RELEASE_ARGS } from '../sandbox/metrics-server-stage.ts';
import { addNode, randomLoopbackIp } from '../sandbox/node-identity.ts';
import { fileServingCsr, waitForIssued } from '../sandbox/serving-csr.ts';
import { runCli } from './cli.ts';

// `secure metrics-server` plans on a sandbox of its own (the plan inspects every node, so other
// tests' nodes would be in it): the real API server holds metrics-server's Deployment, Service and
// APIService as its release manifest ships them, and two kubelets answer over real TLS, one
// serving a certificate the real signer issued, one self-signed as kubeadm leaves it.
let cluster: Cluster;
let admin: { KUBECONFIG: string };
const kubelets: FakeKubelet[] = [];
let signed: string;
let selfSigned: string;

const kubectl = (args: string[], input?: string) =>
  execFileSync('kubectl', args, {
    input,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: cluster.dir, KUBECONFIG: cluster.adminKubeconfig },
  });
/** One field of the kube-system/metrics-server Deployment, as kubectl's jsonpath prints it. */
const metricsServerField = (jsonpath: string) =>
  kubectl(['get', 'deployment', '-n', 'kube-system', 'metrics-server', '-o', `jsonpath=${jsonpath}`]);
const apply = (objects: object[]) =>
  kubectl(['apply', '-f', '-'], objects.map((o) => `---\n${stringify(o)}`).join(''));

/** metrics-server v0.7's components.yaml, the parts the plan reads, with the flag people add. */
function releaseManifest(
  namespace = 'kube-system',
  labels: Record<string, string> = { 'k8s-app': 'metrics-server' },
) {
  return [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'metrics-server', namespace, labels },
      spec: {
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            containers: [
              {
                name: 'metrics-server',
                image: 'registry.k8s.io/metrics-server/metrics-server:v0.7.2',
                args: RELEASE_ARGS,
                volumeMounts: [{ mountPath: '/tmp', name: 'tmp-dir' }],
              },
            ],
            volumes: [{ name: 'tmp-dir', emptyDir: {} }],
          },
        },
      },
    },
  ];
}
const apiService = {
  apiVersion: 'apiregistration.k8s.io/v1',
  kind: 'APIService',
  metadata: { name: 'v1beta1.metrics.k8s.io', labels: { 'k8s-app': 'metrics-server' } },
  spec: {
    group: 'metrics.k8s.io',
    version: 'v1beta1',
    groupPriorityMinimum: 100,
    versionPriority: 100,
    insecureSkipTLSVerify: true,
    service: { name: 'metrics-server', namespace: 'kube-system' },
  },
};

beforeAll(async () => {
  cluster = await Cluster.start();
  admin = { KUBECONFIG: cluster.adminKubeconfig };
  const work = join(cluster.dir, 'kubelets');
  const a = await startFakeKubelet({ node: 'ms-signed', bind: randomLoopbackIp(), workDir: work });
  const nodeA = await addNode(cluster, 'ms-signed', { ip: a.host, kubeletPort: a.port });
  const csr = await fileServingCsr(cluster, nodeA);
  expect((await runCli(['approve-serving', '--node', 'ms-signed'], admin)).code).toBe(0);
  await a.stop();
  const issued = await startFakeKubelet({
    node: 'ms-signed',
    bind: nodeA.ip,
    workDir: work,
    serving: { cert: await waitForIssued(cluster, csr.name), key: csr.keyPem },
  });
  const b = await startFakeKubelet({ node: 'ms-self', bind: randomLoopbackIp(), workDir: work });
  await addNode(cluster, 'ms-self', { ip: b.host, kubeletPort: b.port });
  kubelets.push(issued, b);
  const { setNodeStatus } = await import('../sandbox/node-identity.ts');
  await setNodeStatus(nodeA, issued.port);
  signed = nodeA.ip;
  selfSigned = b.host;
}, 180_000);
afterAll(async () => {
  await Promise.all(kubelets.map((k) => k.stop()));
  await cluster?.stop();
});

describe('kubectl certs secure metrics-server (plan)', () => {
  it('says what it looked for when there is no metrics-server', async () => {
    const r = await runCli(['secure', 'metrics-server'], admin);
    expect(r).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'error: no metrics-server Deployment in any namespace (looked for the labels k8s-app=metrics-server and app.kubernetes.io/name=metrics-server); name it with -n NAMESPACE --name NAME\n',
    });
  });

  it('plans both legs of the release manifest: the kubelet leg blocked by the self-signed kubelet', async () => {
    apply([...releaseManifest(), apiService]);
    const before = metricsServerField('{.metadata.generation}');
    const r = await runCli(['secure', 'metrics-server'], admin);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(3);
    const out = r.stdout;
    expect(out).toContain('metrics-server: Deployment kube-system/metrics-server\n');
    expect(out).toContain('Kubelet leg (metrics-server verifies kubelets with the cluster CA): blocked\n');
    expect(out).toContain('  OK   ms-signed\n');
    expect(out).toContain(
      `  FAIL ms-self: x509: cannot validate certificate for ${selfSigned} because it doesn't contain any IP SANs\n`,
    );
    expect(out).toContain(
      '  change: Verify kubelets with the cluster CA (mount kube-root-ca.crt, use --kubelet-certificate-authority)\n',
    );
    expect(out).toContain('  blocked: ms-self would fail verification');
    expect(out).toContain("  step: on ms-self: set serverTLSBootstrap: true in the kubelet's config file");
    expect(out).toMatch(
      /^ {2}--- a\/deployment\/kube-system\/metrics-server\n {2}\+\+\+ b\/deployment\/kube-system\/metrics-server$/m,
    );
    expect(out).toMatch(
      /^ {2}- +- --kubelet-insecure-tls\n {2}\+ +- --kubelet-certificate-authority=\/etc\/kubernetes\/kubelet-ca\/ca\.crt$/m,
    );
    expect(out).toMatch(/^ {2}\+ +- name: kube-root-ca\n {2}\+ +mountPath: \/etc\/kubernetes\/kubelet-ca$/m);
    expect(out).toContain('APIService leg (the API server verifies metrics-server): ready\n');
    expect(out).toContain('  insecureSkipTLSVerify is true: the API server does not verify metrics-server\n');
    expect(out).toContain(
      '  serving certificate for: metrics-server.kube-system.svc, metrics-server.kube-system, metrics-server',
    );
    expect(out).toContain('This is the plan: nothing was changed.\n');
    expect(signed).not.toBe(selfSigned);
    const after = metricsServerField('{.metadata.generation}');
    // The deployment controller writes status (resourceVersion moves); the spec is untouched and
    // no field is ours.
    expect(after).toBe(before);
    expect(metricsServerField('{.metadata.managedFields[*].manager}')).not.toContain('kubectl-certs');
  });

  it('is ready once --allow-unverified-nodes names the self-signed kubelet', async () => {
    const r = await runCli(
      ['secure', 'metrics-server', '--allow-unverified-nodes', 'ms-self', '-o', 'json'],
      admin,
    );
    expect(r.code).toBe(3);
    const plan = JSON.parse(r.stdout);
    expect(plan.kubeletLeg).toMatchObject({
      state: 'ready',
      blockers: [],
      accepted: [{ node: 'ms-self', verifies: false }],
    });
    expect(plan.kubeletLeg.diff).toMatch(/^--- a\/deployment\/kube-system\/metrics-server/);
    expect(plan.apiServiceLeg.state).toBe('ready');
    expect(plan.done).toBe(false);
  });

  it("gives kubeadm's steps when the kubelet-config ConfigMap exists", async () => {
    kubectl([
      'create',
      'configmap',
      '-n',
      'kube-system',
      'kubelet-config',
      '--from-literal=kubelet=serverTLSBootstrap: false',
    ]);
    const r = await runCli(['secure', 'metrics-server'], admin);
    expect(r.stdout).toContain(
      '  step: kubectl -n kube-system edit configmap kubelet-config: set serverTLSBootstrap: true in its KubeletConfiguration',
    );
    expect(r.stdout).toContain(
      '  step: on ms-self: kubeadm upgrade node phase kubelet-config && systemctl restart kubelet',
    );
  });

  it('refuses to guess between two, and names the one Helm manages', async () => {
    const helmLabels = { 'app.kubernetes.io/name': 'metrics-server', 'app.kubernetes.io/managed-by': 'Helm' };
    kubectl(['create', 'namespace', 'monitoring']);
    apply(releaseManifest('monitoring', helmLabels));
    const two = await runCli(['secure', 'metrics-server'], admin);
    expect(two.code).toBe(1);
    expect(two.stderr).toBe(
      'error: 2 metrics-server Deployments found (kube-system/metrics-server, monitoring/metrics-server): choose one with -n NAMESPACE --name NAME\n',
    );
    const helm = await runCli(['secure', 'metrics-server', '-n', 'monitoring'], admin);
    expect(helm.stdout).toContain(
      "  managed by Helm (label app.kubernetes.io/managed-by=Helm): change it in Helm's source; an edit here would be undone at its next sync\n",
    );
  });

  it('prints chart values for the Helm release, which our lint passes, and warns about the kubelet that would fail', async () => {
    const r = await runCli(['secure', 'metrics-server', '-n', 'monitoring', '--print-values'], admin);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(
      `warning: kubelet ms-self would fail verification: x509: cannot validate certificate for ${selfSigned} because it doesn't contain any IP SANs\n`,
    );
    expect(r.stdout).toMatch(/^# metrics-server chart values: verified TLS on both legs/);
    expect(parse(r.stdout)).toMatchObject({
      args: ['--kubelet-certificate-authority=/etc/kubernetes/kubelet-ca/ca.crt'],
      tls: { type: 'helm' },
      apiService: { insecureSkipTLSVerify: false },
    });
    const lint = await runCli(['lint', '-', '-o', 'json'], admin, { input: r.stdout });
    expect(lint.code).toBe(0);
  });

  it("says which permission is missing, in the API server's words", async () => {
    const nobody = cluster.userCredentials('secure-nobody');
    const r = await runCli(['secure', 'metrics-server'], { KUBECONFIG: nobody.kubeconfig });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'error: listing Deployments: forbidden: deployments.apps is forbidden: User "secure-nobody" cannot list resource "deployments" in API group "apps" at the cluster scope\n',
    );
  });

  it('takes only metrics-server as its target', async () => {
    const r = await runCli(['secure', 'grafana'], admin);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: Expected grafana to be one of: metrics-server/);
  });
});
