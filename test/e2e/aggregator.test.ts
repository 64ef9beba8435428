import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { apiRequest } from '../sandbox/api.ts';
import { Cluster } from '../sandbox/cluster.ts';
import { exposeStandIn, issueServing, metricsApiService } from '../sandbox/metrics-server-stage.ts';
import type { MetricsServerStandIn } from '../sandbox/metrics-server-standin.ts';
import { type KeyPair, makeCa } from '../sandbox/pki.ts';
import { waitFor } from '../sandbox/processes.ts';
import { RealNode } from '../sandbox/real-node.ts';
import { runCli } from './cli.ts';

// The APIService leg for real: the sandbox's kube-apiserver runs the aggregation layer (front-proxy
// client certificate, --requestheader-*, --enable-aggregator-routing), and verifies the
// metrics-server stand-in (which serves the real kubelet's numbers) with the APIService's
// caBundle, as it verifies metrics-server. `kubectl top node` (the real kubectl) goes through it.
let cluster: Cluster;
let node: RealNode;
let standIn: MetricsServerStandIn;
let metricsCa: KeyPair;
let otherCa: KeyPair;
let pki: string;

const kubectl = (args: string[], input?: string) =>
  execFileSync('kubectl', args, {
    input,
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH, HOME: cluster.dir, KUBECONFIG: cluster.adminKubeconfig },
  });
/** kubectl in the background: the stand-in answers from this process, so the event loop must run. */
const kubectlAsync = async (args: string[]) =>
  (
    await promisify(execFile)('kubectl', args, {
      encoding: 'utf8',
      env: { PATH: process.env.PATH, HOME: cluster.dir, KUBECONFIG: cluster.adminKubeconfig },
    })
  ).stdout;
const apply = (objects: object[]) =>
  kubectl(['apply', '-f', '-'], objects.map((o) => `---\n${stringify(o)}`).join(''));

/** metrics-server's Deployment as it runs with a serving certificate of its own (the end state's flags). */
const metricsServerDeployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'metrics-server', namespace: 'kube-system', labels: { 'k8s-app': 'metrics-server' } },
  spec: {
    selector: { matchLabels: { 'k8s-app': 'metrics-server' } },
    template: {
      metadata: { labels: { 'k8s-app': 'metrics-server' } },
      spec: {
        // The release manifest's ServiceAccount (exposeStandIn made it): the kubelets let it get nodes/metrics.
        serviceAccountName: 'metrics-server',
        containers: [
          {
            name: 'metrics-server',
            image: 'registry.k8s.io/metrics-server/metrics-server:v0.7.2',
            // The kubelet leg not done: the stand-in reads the self-signed kubelet unverified, as metrics-server would.
            // InternalIP first, as the release manifest says: the default tries the Hostname first,
            // which no DNS here (nor on many clusters) resolves.
            args: [
              '--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname',
              '--kubelet-insecure-tls',
              '--secure-port=10250',
              '--tls-cert-file=/tls/tls.crt',
              '--tls-private-key-file=/tls/tls.key',
            ],
          },
        ],
      },
    },
  },
};

/** The plan's APIService leg, from `kubectl certs secure metrics-server -o json` (a process: the stand-in keeps answering). */
async function apiServiceLeg(): Promise<{ state: string; findings: string[]; metricsApi?: { ok: boolean } }> {
  const r = await runCli(['secure', 'metrics-server', '-o', 'json'], { KUBECONFIG: cluster.adminKubeconfig });
  if (r.stderr) throw new Error(r.stderr);
  return JSON.parse(r.stdout).apiServiceLeg;
}

/** GET .../nodes through the API server: its status and, on failure, its message. */
async function throughAggregator(): Promise<{ status: number; message: string; nodes: string[] }> {
  const r = await apiRequest<{ message?: string; items?: { metadata: { name: string } }[] }>(
    cluster.admin,
    'GET',
    '/apis/metrics.k8s.io/v1beta1/nodes',
  );
  // The aggregator's own errors are plain text, not a Status.
  const body = typeof r.body === 'object' ? r.body : { message: String(r.body) };
  return {
    status: r.status,
    message: body.message ?? '',
    nodes: (body.items ?? []).map((i) => i.metadata.name),
  };
}

/** The aggregator picks up an APIService change within a few seconds: wait for the answer to change. */
async function until(what: string, ok: (a: Awaited<ReturnType<typeof throughAggregator>>) => boolean) {
  let last: Awaited<ReturnType<typeof throughAggregator>> | undefined;
  const check = async () => {
    last = await throughAggregator();
    return ok(last);
  };
  await waitFor(what, check, { timeoutMs: 60_000 }).catch((e: Error) => {
    throw new Error(`${e.message.split('\n')[0]}; last answer: ${JSON.stringify(last)}`);
  });
  return last as Awaited<ReturnType<typeof throughAggregator>>;
}

beforeAll(async () => {
  cluster = await Cluster.start();
  node = await RealNode.start(cluster, { serverTLSBootstrap: false });
  // The stand-in serves a certificate of metricsCa behind metrics-server's Service; no APIService yet.
  ({ standIn, pki, ownCa: metricsCa } = await exposeStandIn(cluster, node));
  otherCa = makeCa(pki, 'other-ca', '/CN=some-other-ca');
}, 240_000);
afterAll(async () => {
  await standIn?.stop();
  await node?.stop();
  await cluster?.stop();
});

describe('the aggregation layer verifies metrics-server with the APIService caBundle', {
  timeout: 120_000,
}, () => {
  it('with insecureSkipTLSVerify (the release manifest) it answers whatever serves: the starting point', async () => {
    apply([metricsApiService({ insecureSkipTLSVerify: true })]);
    const a = await until('metrics through the aggregator', (x) => x.status === 200 && x.nodes.length > 0);
    expect(a.nodes).toEqual([node.name]);
  });

  it('with the CA that signed the serving certificate, every node is listed and kubectl top node works', async () => {
    apply([metricsApiService({ caBundle: metricsCa.cert })]);
    const a = await until(
      'metrics through the aggregator, verified',
      (x) => x.status === 200 && x.nodes.length > 0,
    );
    expect(a.nodes).toEqual([node.name]);
    const top = await kubectlAsync(['top', 'node']);
    expect(top).toMatch(/^NAME\s+CPU\(cores\)\s+CPU\(%\)\s+MEMORY\(bytes\)\s+MEMORY\(%\)/);
    expect(top).toMatch(new RegExp(`^${node.name}\\s+\\d+m\\s+\\d+%\\s+\\d+Mi\\s+\\d+%`, 'm'));
  });

  it('secure metrics-server calls that leg done: the aggregator lists every node', async () => {
    apply([metricsServerDeployment]);
    const leg = await apiServiceLeg();
    expect(leg, `the stand-in left out: ${JSON.stringify([...standIn.omitted()])}`).toMatchObject({
      state: 'done',
      findings: [],
      metricsApi: { ok: true, nodes: [node.name] },
    });
  });

  it("with another CA every request fails with the aggregator's x509 error, while Available stays True", async () => {
    apply([metricsApiService({ caBundle: otherCa.cert })]);
    const a = await until('the aggregator refusing the other CA', (x) => x.status !== 200);
    expect(a).toMatchObject({
      status: 503,
      message: 'error trying to reach service: x509: certificate signed by unknown authority\n',
    });
    // Kubernetes 1.20: the availability check does not verify the certificate, so Available is no proof.
    const available = JSON.parse(
      kubectl([
        'get',
        'apiservice',
        'v1beta1.metrics.k8s.io',
        '-o',
        'jsonpath={.status.conditions[?(@.type=="Available")]}',
      ]),
    );
    expect(available).toMatchObject({ status: 'True', message: 'all checks passed' });
    // The plan does not take Available's word: it asks through the aggregator and quotes it.
    expect(await apiServiceLeg()).toMatchObject({
      state: 'ready',
      findings: [
        'GET /apis/metrics.k8s.io/v1beta1/nodes through the API server failed: HTTP 503: error trying to reach service: x509: certificate signed by unknown authority',
      ],
    });
  });

  it("with a serving certificate for another name, Go's name mismatch", async () => {
    apply([metricsApiService({ caBundle: metricsCa.cert })]);
    await until('verified again', (x) => x.status === 200);
    standIn.setServing(issueServing(pki, 'metrics-localhost', metricsCa, ['localhost']));
    const a = await until('the aggregator refusing the name', (x) => x.status !== 200);
    expect(a.status).toBe(503);
    expect(a.message).toContain(
      'x509: certificate is valid for localhost, not metrics-server.kube-system.svc',
    );
  });
});
