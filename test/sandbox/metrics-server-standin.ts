import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { apiRequest, type Credentials } from './api.ts';
import {
  type PodSpec,
  readContainerFile,
  SERVICE_ACCOUNT_CA,
  SERVICE_ACCOUNT_TOKEN,
} from './container-file.ts';
import {
  type KubeletClient,
  type KubeletClientFlags,
  kubeletClientFlags,
  kubeletGet,
  kubeletTarget,
  type NodeStatus,
} from './kubelet-scrape.ts';
import { decodeNodePoint, type NodePoint, NodeStorage } from './resource-metrics.ts';

/**
 * metrics-server's part on the sandbox, where its image cannot run: an HTTPS server (in this
 * process, so it never outlives the test) that serves the metrics.k8s.io/v1beta1 API the way
 * metrics-server 0.7 does, from the real kubelets' own data (each node's /metrics/resource, CPU as
 * the rate between two samples: resource-metrics.ts). Like metrics-server it trusts only the
 * aggregator: a client must show a certificate from the front-proxy CA
 * (--requestheader-client-ca-file). It binds to an address of this machine that a selector-less
 * Service's Endpoints may name (not loopback: the API server refuses 127.0.0.0/8 in Endpoints),
 * for example a real node's host end of its veth.
 *
 * It scrapes the kubelets as metrics-server would with the kubelet flags its Deployment's pod
 * template has now (read at most once a second): each kubelet dialled at its Node's address of the
 * first `--kubelet-preferred-address-types` and its port; with `--kubelet-insecure-tls` unverified,
 * else verified against the CA file a container of that template would read at
 * `--kubelet-certificate-authority` (its volumeMounts, the pod's volumes, their ConfigMaps and
 * Secrets as the API server has them now; without the flag, the service account's ca.crt), the
 * dialled address in its SANs. It authenticates as metrics-server's in-cluster config does: a
 * bearer token of the template's ServiceAccount (from the TokenRequest API; the pod's own would
 * be the same identity), so each kubelet's webhook asks the API server whether that account may
 * get nodes/metrics (the release manifest's ClusterRole system:metrics-server). A node it cannot
 * scrape is left out of the answers, as metrics-server leaves it out, and `omitted()` says why in
 * metrics-server's words (an x509 error, a file not there, flags it refuses, the kubelet's
 * `403 Forbidden`). Without that Deployment (a test that only exposes the stand-in) it reads
 * /metrics/resource through the API server's node proxy, whatever the flags.
 */
export interface MetricsServerStandIn {
  host: string;
  port: number;
  /** Serves another certificate from now on (what a rollout of a new Secret does). */
  setServing(serving: { cert: string; key: string }): void;
  /** Each node the last scrape left out, with metrics-server's reason. */
  omitted(): Map<string, string>;
  stop(): Promise<void>;
}

export interface StandInOptions {
  bind: string;
  serving: { cert: string; key: string };
  /** The front-proxy CA: only the aggregator's client certificate is accepted. */
  frontProxyCa: string;
  /** How the stand-in reads Nodes, the Deployment, its ConfigMaps and Secrets, and the node proxy (the sandbox admin). */
  admin: Credentials;
  /** The Deployment whose pod template says how to scrape. Default kube-system/metrics-server. */
  deployment?: { namespace: string; name: string };
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

const RESOURCE_METRICS = '/metrics/resource';

/** How the nodes are scraped now: through the node proxy (no Deployment), directly, or not at all (why). */
type ScrapeMode =
  | { via: 'node-proxy' }
  | { via: 'kubelet'; flags: KubeletClientFlags; client: KubeletClient }
  | { via: 'none'; reason: string };

interface DeploymentPod {
  spec: { template: { spec: PodSpec & { serviceAccountName?: string } } };
}

/** A token of a ServiceAccount, kept while the account (its UID) is the same and the token is fresh. */
interface HeldToken {
  uid: string;
  token: string;
  expires: number;
}

/**
 * What metrics-server's in-cluster config would hold: a token of the pod's ServiceAccount (the
 * UID too, which the kubelets' cached decisions are keyed by); else why its pod would not exist.
 */
async function serviceAccountToken(
  admin: Credentials,
  namespace: string,
  name: string,
  held: Map<string, HeldToken>,
): Promise<string | { reason: string }> {
  const sa = await apiRequest<{ metadata: { uid: string } }>(
    admin,
    'GET',
    `/api/v1/namespaces/${namespace}/serviceaccounts/${name}`,
  );
  // The ReplicaSet's words when the ServiceAccount admission plugin refuses the pod.
  if (sa.status === 404)
    return {
      reason: `error looking up service account ${namespace}/${name}: serviceaccount "${name}" not found`,
    };
  if (sa.status !== 200) throw new Error(`reading ServiceAccount ${namespace}/${name}: HTTP ${sa.status}`);
  const key = `${namespace}/${name}`;
  const had = held.get(key);
  if (had && had.uid === sa.body.metadata.uid && had.expires - Date.now() > 600_000) return had.token;
  const r = await apiRequest<{ status: { token: string; expirationTimestamp: string } }>(
    admin,
    'POST',
    `/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`,
    { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} },
  );
  if (r.status !== 201) throw new Error(`TokenRequest for ${key}: HTTP ${r.status}`);
  const token = r.body.status.token;
  held.set(key, { uid: sa.body.metadata.uid, token, expires: Date.parse(r.body.status.expirationTimestamp) });
  return token;
}

/** What the Deployment's pod template tells metrics-server about its kubelets: the CA file read as its container would, its token. */
async function scrapeMode(opts: StandInOptions, tokens: Map<string, HeldToken>): Promise<ScrapeMode> {
  const { namespace, name } = opts.deployment ?? { namespace: 'kube-system', name: 'metrics-server' };
  const r = await apiRequest<DeploymentPod>(
    opts.admin,
    'GET',
    `/apis/apps/v1/namespaces/${namespace}/deployments/${name}`,
  );
  if (r.status === 404) return { via: 'node-proxy' };
  if (r.status !== 200) throw new Error(`reading Deployment ${namespace}/${name}: HTTP ${r.status}`);
  const pod = r.body.spec.template.spec;
  const container = pod.containers.find((c) => c.name === 'metrics-server') ?? pod.containers[0];
  if (!container) return { via: 'none', reason: `Deployment ${namespace}/${name} has no container` };
  const flags = kubeletClientFlags([...(container.command ?? []), ...(container.args ?? [])]);
  if (typeof flags === 'string') return { via: 'none', reason: flags };
  const token = await serviceAccountToken(opts.admin, namespace, pod.serviceAccountName || 'default', tokens);
  if (typeof token !== 'string') return { via: 'none', reason: token.reason };
  // client-go's in-cluster config without the token volume.
  if (pod.automountServiceAccountToken === false)
    return { via: 'none', reason: `open ${SERVICE_ACCOUNT_TOKEN}: no such file or directory` };
  if (flags.insecureTls) return { via: 'kubelet', flags, client: { token } };
  const ca = flags.caText
    ? { text: flags.caText }
    : await readContainerFile(opts.admin, namespace, pod, container, flags.caFile ?? SERVICE_ACCOUNT_CA);
  if ('reason' in ca) return { via: 'none', reason: ca.reason };
  // client-go's words when the CA file holds no certificate.
  if (!ca.text.includes('-----BEGIN CERTIFICATE-----'))
    return { via: 'none', reason: 'unable to load root certificates: unable to parse bytes as PEM block' };
  return { via: 'kubelet', flags, client: { ca: ca.text, token } };
}

/** One node's /metrics/resource as `mode` reads it; an error with metrics-server's reason when it cannot. */
async function resourceMetricsOf(admin: Credentials, mode: ScrapeMode, node: NodeStatus): Promise<string> {
  if (mode.via === 'none') throw new Error(mode.reason);
  if (mode.via === 'kubelet') {
    const target = kubeletTarget(node, mode.flags);
    if (typeof target === 'string') throw new Error(target);
    return kubeletGet(target, mode.client, RESOURCE_METRICS);
  }
  const r = await apiRequest<string>(
    admin,
    'GET',
    `/api/v1/nodes/${node.metadata.name}/proxy${RESOURCE_METRICS}`,
  );
  if (r.status !== 200 || typeof r.body !== 'string')
    throw new Error(`the node proxy answered HTTP ${r.status}`);
  return r.body;
}

/** The scraper's state: the mode (read at most once a second), each node's last points, and why nodes are left out. */
class Scraper {
  readonly omitted = new Map<string, string>();
  private readonly storage = new NodeStorage();
  private readonly tokens = new Map<string, HeldToken>();
  private cached: { at: number; mode: Promise<ScrapeMode> } | undefined;
  private readonly opts: StandInOptions;

  constructor(opts: StandInOptions) {
    this.opts = opts;
  }

  private mode(): Promise<ScrapeMode> {
    if (!this.cached || Date.now() - this.cached.at >= 1_000)
      this.cached = { at: Date.now(), mode: scrapeMode(this.opts, this.tokens) };
    return this.cached.mode;
  }

  /** Scrapes one node into the storage; its usage as metrics-server reports it, else why there is none. */
  private async scrapeNode(mode: ScrapeMode, node: NodeStatus): Promise<object | string> {
    const name = node.metadata.name;
    const requestTime = Date.now();
    let point: NodePoint | string;
    try {
      point = decodeNodePoint(await resourceMetricsOf(this.opts.admin, mode, node), requestTime);
    } catch (e) {
      point = (e as Error).message;
    }
    if (typeof point === 'string') {
      this.storage.forget(name);
      return point;
    }
    this.storage.store(name, point);
    const u = this.storage.usage(name);
    if (typeof u === 'string') return u;
    return {
      metadata: { name, creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z') },
      timestamp: u.timestamp,
      window: u.window,
      usage: { cpu: u.cpu, memory: u.memory },
    };
  }

  /** Each node's metrics, in the Nodes' order; a node without is left out, its reason kept. */
  async scrape(nodes: NodeStatus[]): Promise<object[]> {
    const mode = await this.mode();
    const got = await Promise.all(nodes.map((n) => this.scrapeNode(mode, n)));
    const items: object[] = [];
    got.forEach((m, i) => {
      const name = (nodes[i] as NodeStatus).metadata.name;
      if (typeof m === 'string') this.omitted.set(name, m);
      else {
        this.omitted.delete(name);
        items.push(m);
      }
    });
    return items;
  }
}

async function route(scraper: Scraper, admin: Credentials, req: IncomingMessage): Promise<[number, object]> {
  const path = (req.url ?? '').split('?')[0];
  if (path === `/apis/${GROUP_VERSION}`) return [200, discovery];
  if (path === `/apis/${GROUP_VERSION}/nodes`) {
    const nodes = (await apiRequest<{ items: NodeStatus[] }>(admin, 'GET', '/api/v1/nodes')).body;
    const items = await scraper.scrape(nodes.items);
    return [200, { kind: 'NodeMetricsList', apiVersion: GROUP_VERSION, metadata: {}, items }];
  }
  const one = path?.match(new RegExp(`^/apis/${GROUP_VERSION}/nodes/([^/]+)$`));
  if (one?.[1]) {
    const node = await apiRequest<NodeStatus>(admin, 'GET', `/api/v1/nodes/${one[1]}`);
    const [m] = node.status === 200 ? await scraper.scrape([node.body]) : [];
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
  const scraper = new Scraper(opts);
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    route(scraper, opts.admin, req).then(
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
    omitted: () => new Map(scraper.omitted),
    stop: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
