import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { apiRequest, type Credentials } from './api.ts';

/**
 * metrics-server's part on the sandbox, where its image cannot run: an HTTPS server (in this
 * process, so it never outlives the test) that serves the metrics.k8s.io/v1beta1 API the way
 * metrics-server does, from the real kubelets' own data (each node's /stats/summary, read through
 * the API server's node proxy). Like metrics-server it trusts only the aggregator: a client must
 * show a certificate from the front-proxy CA (--requestheader-client-ca-file). It binds to an
 * address of this machine that a selector-less Service's Endpoints may name (not loopback: the API
 * server refuses 127.0.0.0/8 in Endpoints), for example a real node's host end of its veth.
 */
export interface MetricsServerStandIn {
  host: string;
  port: number;
  /** Serves another certificate from now on (what a rollout of a new Secret does). */
  setServing(serving: { cert: string; key: string }): void;
  stop(): Promise<void>;
}

export interface StandInOptions {
  bind: string;
  serving: { cert: string; key: string };
  /** The front-proxy CA: only the aggregator's client certificate is accepted. */
  frontProxyCa: string;
  /** How the stand-in reads Nodes and the kubelets' summaries (the sandbox admin). */
  admin: Credentials;
}

const GROUP_VERSION = 'metrics.k8s.io/v1beta1';

const discovery = {
  kind: 'APIResourceList',
  apiVersion: 'v1',
  groupVersion: GROUP_VERSION,
  resources: [
    { name: 'nodes', singularName: '', namespaced: false, kind: 'NodeMetrics', verbs: ['get', 'list'] },
    { name: 'pods', singularName: '', namespaced: true, kind: 'PodMetrics', verbs: ['get', 'list'] },
  ],
};

interface Summary {
  node: { cpu?: { time?: string; usageNanoCores?: number }; memory?: { workingSetBytes?: number } };
}

/** One Node's metrics as metrics-server reports them, from its kubelet's summary; undefined when the kubelet has none. */
async function nodeMetrics(admin: Credentials, name: string): Promise<object | undefined> {
  const r = await apiRequest<Summary>(
    admin,
    'GET',
    `/api/v1/nodes/${name}/proxy/stats/summary?only_cpu_and_memory=true`,
  );
  if (r.status !== 200 || typeof r.body !== 'object') return undefined;
  const s = r.body;
  const cpu = s.node.cpu?.usageNanoCores;
  const memory = s.node.memory?.workingSetBytes;
  if (cpu === undefined || memory === undefined) return undefined;
  return {
    metadata: { name, creationTimestamp: new Date().toISOString() },
    timestamp: s.node.cpu?.time ?? new Date().toISOString(),
    window: '10s',
    usage: { cpu: `${cpu}n`, memory: `${Math.round(memory / 1024)}Ki` },
  };
}

async function route(admin: Credentials, req: IncomingMessage): Promise<[number, object]> {
  const path = (req.url ?? '').split('?')[0];
  if (path === `/apis/${GROUP_VERSION}`) return [200, discovery];
  if (path === `/apis/${GROUP_VERSION}/nodes`) {
    const nodes = (
      await apiRequest<{ items: { metadata: { name: string } }[] }>(admin, 'GET', '/api/v1/nodes')
    ).body;
    const items = (await Promise.all(nodes.items.map((n) => nodeMetrics(admin, n.metadata.name)))).filter(
      Boolean,
    );
    return [200, { kind: 'NodeMetricsList', apiVersion: GROUP_VERSION, metadata: {}, items }];
  }
  const one = path?.match(new RegExp(`^/apis/${GROUP_VERSION}/nodes/([^/]+)$`));
  if (one?.[1]) {
    const m = await nodeMetrics(admin, one[1]);
    return m ? [200, { kind: 'NodeMetrics', apiVersion: GROUP_VERSION, ...m }] : [404, notFound(one[1])];
  }
  if (
    path === `/apis/${GROUP_VERSION}/pods` ||
    path?.match(/^\/apis\/metrics\.k8s\.io\/v1beta1\/namespaces\/[^/]+\/pods$/)
  )
    return [200, { kind: 'PodMetricsList', apiVersion: GROUP_VERSION, metadata: {}, items: [] }];
  return [404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 }];
}

const notFound = (name: string) => ({
  kind: 'Status',
  apiVersion: 'v1',
  status: 'Failure',
  message: `nodemetrics.metrics.k8s.io "${name}" not found`,
  reason: 'NotFound',
  code: 404,
});

export async function startMetricsServerStandIn(opts: StandInOptions): Promise<MetricsServerStandIn> {
  if (opts.bind.startsWith('127.'))
    throw new Error('the API server refuses loopback addresses in Endpoints: bind to a test host address');
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    route(opts.admin, req).then(
      ([code, body]) => {
        res.writeHead(code, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      },
      (e: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(e));
      },
    );
  };
  const server: Server = createServer(
    { ...opts.serving, ca: opts.frontProxyCa, requestCert: true, rejectUnauthorized: true },
    handler,
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, opts.bind, resolve);
  });
  return {
    host: opts.bind,
    port: (server.address() as AddressInfo).port,
    setServing: (serving) => {
      server.setSecureContext({ ...serving, ca: opts.frontProxyCa });
      // New pods mean new connections: the aggregator must handshake again to see the new certificate.
      server.closeAllConnections();
    },
    stop: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
