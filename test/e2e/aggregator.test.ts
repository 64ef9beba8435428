import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { apiRequest } from '../sandbox/api.ts';
import { Cluster } from '../sandbox/cluster.ts';
import { type MetricsServerStandIn, startMetricsServerStandIn } from '../sandbox/metrics-server-standin.ts';
import { issue, type KeyPair, makeCa } from '../sandbox/pki.ts';
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

function serving(name: string, ca: KeyPair, dns: string[]): KeyPair {
  return issue(pki, name, `/CN=${dns[0]}`, ca, [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage=serverAuth',
    `subjectAltName=${dns.map((d) => `DNS:${d}`).join(',')}`,
  ]);
}

/** The APIService of metrics-server's release manifest, with `tls` as the leg under test sets it. */
function apiService(tls: { caBundle?: string; insecureSkipTLSVerify?: boolean }) {
  return {
    apiVersion: 'apiregistration.k8s.io/v1',
    kind: 'APIService',
    metadata: { name: 'v1beta1.metrics.k8s.io' },
    spec: {
      group: 'metrics.k8s.io',
      version: 'v1beta1',
      groupPriorityMinimum: 100,
      versionPriority: 100,
      service: { name: 'metrics-server', namespace: 'kube-system' },
      insecureSkipTLSVerify: tls.insecureSkipTLSVerify ?? false,
      ...(tls.caBundle ? { caBundle: Buffer.from(tls.caBundle).toString('base64') } : {}),
    },
  };
}

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
        containers: [
          {
            name: 'metrics-server',
            image: 'registry.k8s.io/metrics-server/metrics-server:v0.7.2',
            args: [
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
  pki = join(cluster.dir, 'metrics-pki');
  mkdirSync(pki);
  metricsCa = makeCa(pki, 'metrics-ca', '/CN=metrics-server-ca');
  otherCa = makeCa(pki, 'other-ca', '/CN=some-other-ca');
  standIn = await startMetricsServerStandIn({
    bind: node.network.hostIp,
    serving: serving('metrics', metricsCa, [
      'metrics-server.kube-system.svc',
      'metrics-server.kube-system',
      'metrics-server',
    ]),
    frontProxyCa: readFileSync(join(cluster.dir, 'pki', 'front-proxy-ca.crt'), 'utf8'),
    admin: cluster.admin,
  });
  // A Service without selector, and its Endpoints naming the stand-in: what metrics-server's pods would be.
  apply([
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'metrics-server', namespace: 'kube-system' },
      spec: { ports: [{ name: 'https', port: 443, targetPort: standIn.port, protocol: 'TCP' }] },
    },
    {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'metrics-server', namespace: 'kube-system' },
      subsets: [
        {
          addresses: [{ ip: standIn.host }],
          ports: [{ name: 'https', port: standIn.port, protocol: 'TCP' }],
        },
      ],
    },
  ]);
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
    apply([apiService({ insecureSkipTLSVerify: true })]);
    const a = await until('metrics through the aggregator', (x) => x.status === 200 && x.nodes.length > 0);
    expect(a.nodes).toEqual([node.name]);
  });

  it('with the CA that signed the serving certificate, every node is listed and kubectl top node works', async () => {
    apply([apiService({ caBundle: metricsCa.cert })]);
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
    expect(await apiServiceLeg()).toMatchObject({
      state: 'done',
      findings: [],
      metricsApi: { ok: true, nodes: [node.name] },
    });
  });

  it("with another CA every request fails with the aggregator's x509 error, while Available stays True", async () => {
    apply([apiService({ caBundle: otherCa.cert })]);
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
    apply([apiService({ caBundle: metricsCa.cert })]);
    await until('verified again', (x) => x.status === 200);
    standIn.setServing(serving('metrics-localhost', metricsCa, ['localhost']));
    const a = await until('the aggregator refusing the name', (x) => x.status !== 200);
    expect(a.status).toBe(503);
    expect(a.message).toContain(
      'x509: certificate is valid for localhost, not metrics-server.kube-system.svc',
    );
  });
});
