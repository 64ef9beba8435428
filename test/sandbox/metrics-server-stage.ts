import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { apiCall, apiRequest, type Credentials } from './api.ts';
import type { Cluster } from './cluster.ts';
import { type MetricsServerStandIn, startMetricsServerStandIn } from './metrics-server-standin.ts';
import { podImages } from './paths.ts';
import { issue, type KeyPair, makeCa } from './pki.ts';
import type { RealNode } from './real-node.ts';

const NS = 'kube-system';
const NAME = 'metrics-server';
const labels = { 'k8s-app': NAME };
const METRICS_APISERVICE = 'v1beta1.metrics.k8s.io';
/** The names metrics-server's Service answers to, as its serving certificate holds them. */
const SERVICE_NAMES = [`${NAME}.${NS}.svc`, `${NAME}.${NS}`, NAME];

/** metrics-server's release args (components.yaml v0.7), with the flag people add. */
export const RELEASE_ARGS = [
  '--cert-dir=/tmp',
  '--secure-port=10250',
  '--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname',
  '--kubelet-use-node-status-port',
  '--metric-resolution=15s',
  '--kubelet-insecure-tls',
];

/** A serving certificate for metrics-server's Service names (or `dns`), signed by `ca`. */
export function issueServing(pki: string, name: string, ca: KeyPair, dns = SERVICE_NAMES): KeyPair {
  return issue(pki, name, `/CN=${dns[0]}`, ca, [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage=serverAuth',
    `subjectAltName=${dns.map((d) => `DNS:${d}`).join(',')}`,
  ]);
}

export interface ExposedStandIn {
  standIn: MetricsServerStandIn;
  /** Where its certificates are (more may be made there). */
  pki: string;
  /** The CA of metrics-server's own certificate, which nobody trusts (as with `--cert-dir`). */
  ownCa: KeyPair;
  /** What it serves first: a certificate of `ownCa`. */
  serving: KeyPair;
}

/**
 * The stand-in where metrics-server's pods would be: bound to `node`'s host end of its veth,
 * serving a certificate of its own CA, behind metrics-server's selector-less Service and the
 * Endpoints naming it, with the release manifest's ServiceAccount and its right to scrape
 * (`releaseIdentity`); it scrapes the kubelets as kube-system/metrics-server's Deployment says,
 * once there is one (through the node proxy until then); with `apiService`, the release
 * manifest's APIService too (insecureSkipTLSVerify: true).
 */
export async function exposeStandIn(
  cluster: Cluster,
  node: RealNode,
  opts: { apiService?: boolean } = {},
): Promise<ExposedStandIn> {
  const pki = join(cluster.dir, 'metrics-server-pki');
  mkdirSync(pki, { recursive: true });
  const ownCa = makeCa(pki, 'own-ca', '/CN=metrics-server-own-ca');
  const serving = issueServing(pki, 'own', ownCa);
  const standIn = await startMetricsServerStandIn({
    bind: node.network.hostIp,
    serving,
    frontProxyCa: readFileSync(join(cluster.dir, 'pki', 'front-proxy-ca.crt'), 'utf8'),
    admin: cluster.admin,
  });
  const post = (path: string, body: object) => apiCall(cluster.admin, 'POST', path, body);
  for (const o of releaseIdentity()) await post(collectionPath(o), o);
  await post(`/api/v1/namespaces/${NS}/services`, {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: NAME, namespace: NS, labels },
    spec: { ports: [{ name: 'https', port: 443, targetPort: standIn.port, protocol: 'TCP' }] },
  });
  await post(`/api/v1/namespaces/${NS}/endpoints`, {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: NAME, namespace: NS, labels },
    subsets: [
      { addresses: [{ ip: standIn.host }], ports: [{ name: 'https', port: standIn.port, protocol: 'TCP' }] },
    ],
  });
  if (opts.apiService)
    await post(
      '/apis/apiregistration.k8s.io/v1/apiservices',
      metricsApiService({ insecureSkipTLSVerify: true }),
    );
  return { standIn, pki, ownCa, serving };
}

/**
 * Who metrics-server is to the kubelets, from its release manifest (v0.7 components.yaml): the
 * ServiceAccount, the ClusterRole system:metrics-server (the kubelets' webhook asks for get
 * nodes/metrics; the API server's part reads pods and nodes) and its ClusterRoleBinding.
 */
export function releaseIdentity(): [ServiceAccount: object, ClusterRole: object, ClusterRoleBinding: object] {
  const rbac = 'rbac.authorization.k8s.io';
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: NAME, namespace: NS, labels } },
    {
      apiVersion: `${rbac}/v1`,
      kind: 'ClusterRole',
      metadata: { name: `system:${NAME}`, labels },
      rules: [
        { apiGroups: [''], resources: ['nodes/metrics'], verbs: ['get'] },
        { apiGroups: [''], resources: ['pods', 'nodes'], verbs: ['get', 'list', 'watch'] },
      ],
    },
    {
      apiVersion: `${rbac}/v1`,
      kind: 'ClusterRoleBinding',
      metadata: { name: `system:${NAME}`, labels },
      roleRef: { apiGroup: rbac, kind: 'ClusterRole', name: `system:${NAME}` },
      subjects: [{ kind: 'ServiceAccount', name: NAME, namespace: NS }],
    },
  ];
}

/** Where the API server creates an object of the release manifest's kinds. */
function collectionPath(o: object): string {
  const { kind } = o as { kind: string };
  if (kind === 'ServiceAccount') return `/api/v1/namespaces/${NS}/serviceaccounts`;
  return `/apis/rbac.authorization.k8s.io/v1/${kind.toLowerCase()}s`;
}

/** metrics-server's APIService, `v1beta1.metrics.k8s.io`, with its TLS as given (`caBundle` in PEM). */
export function metricsApiService(tls: { caBundle?: string; insecureSkipTLSVerify?: boolean }): object {
  return {
    apiVersion: 'apiregistration.k8s.io/v1',
    kind: 'APIService',
    metadata: { name: METRICS_APISERVICE, labels },
    spec: {
      group: 'metrics.k8s.io',
      version: 'v1beta1',
      groupPriorityMinimum: 100,
      versionPriority: 100,
      service: { name: NAME, namespace: NS },
      insecureSkipTLSVerify: tls.insecureSkipTLSVerify ?? false,
      ...(tls.caBundle ? { caBundle: Buffer.from(tls.caBundle).toString('base64') } : {}),
    },
  };
}

/**
 * metrics-server as its release manifest installs it, insecure on both legs, on a sandbox with
 * kube-scheduler: the Deployment runs the pause image on the real nodes (so its rollouts are real),
 * and the stand-in plays its server (`exposeStandIn`, on the first node). For the demo's finale
 * and the e2e test of both legs in one `secure metrics-server --apply`.
 */
export async function stageMetricsServer(cluster: Cluster, nodes: RealNode[]): Promise<ExposedStandIn> {
  const first = nodes[0];
  if (!first) throw new Error('stageMetricsServer needs a real node');
  const exposed = await exposeStandIn(cluster, first, { apiService: true });
  await apiCall(cluster.admin, 'POST', `/apis/apps/v1/namespaces/${NS}/deployments`, releaseDeployment());
  return exposed;
}

/**
 * The serving Secret `--apply` writes (`<deployment>-tls`), as the API server holds it: what a new
 * pod mounts; undefined while there is none (404). Any other answer is an error, not absence.
 */
export async function readServingSecret(
  admin: Credentials,
): Promise<{ cert: string; key: string; ca: string } | undefined> {
  const path = `/api/v1/namespaces/${NS}/secrets/${NAME}-tls`;
  const r = await apiRequest<{ data?: Record<string, string>; message?: string }>(admin, 'GET', path);
  if (r.status === 404) return undefined;
  if (r.status !== 200) throw new Error(`GET ${path}: HTTP ${r.status}: ${r.body.message ?? ''}`);
  const d = r.body.data;
  if (!d?.['tls.crt'] || !d['tls.key']) return undefined;
  const text = (k: string) => Buffer.from(d[k] ?? '', 'base64').toString('utf8');
  return { cert: text('tls.crt'), key: text('tls.key'), ca: text('ca.crt') };
}

/** Consecutive failed reads of the serving Secret after which following it fails (the API server gone). */
const FOLLOW_ATTEMPTS = 5;

/**
 * Runs `run` (an `--apply`) while the stand-in does what a rollout of metrics-server would do with
 * the serving Secret `--apply` writes: serve it, and each new one it writes meanwhile. A failed
 * read is tried again; FOLLOW_ATTEMPTS in a row end the following: `run`'s signal is aborted (it
 * may stop early), and once it has returned this fails with the last read's error. No timer is
 * left running.
 */
export async function followingServingSecret<T>(
  cluster: Pick<Cluster, 'admin'>,
  standIn: Pick<MetricsServerStandIn, 'setServing'>,
  run: (followingFailed: AbortSignal) => Promise<T>,
): Promise<T> {
  const done = new AbortController();
  const failed = new AbortController();
  const follow = (async (): Promise<Error | undefined> => {
    let served = '';
    for (let failures = 0; !done.signal.aborted; ) {
      try {
        const secret = await readServingSecret(cluster.admin);
        failures = 0;
        if (secret && secret.cert !== served) {
          served = secret.cert;
          standIn.setServing(secret);
        }
      } catch (e) {
        if (++failures >= FOLLOW_ATTEMPTS) {
          failed.abort();
          return new Error(
            `following the serving Secret ${NS}/${NAME}-tls: ${failures} reads in a row failed, the last: ${e instanceof Error ? e.message : String(e)}`,
          );
        }
      }
      await sleep(500, undefined, { signal: done.signal }).catch(() => {});
    }
    return undefined;
  })();
  let outcome: { ok: true; value: T } | { ok: false; error: unknown };
  try {
    outcome = { ok: true, value: await run(failed.signal) };
  } catch (error) {
    outcome = { ok: false, error };
  }
  done.abort();
  const lost = await follow;
  if (lost) throw outcome.ok ? lost : new Error(lost.message, { cause: outcome.error });
  if (!outcome.ok) throw outcome.error;
  return outcome.value;
}

/** metrics-server's release Deployment (v0.7 components.yaml, with the flag people add), its image the pause one. */
export function releaseDeployment(): object {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: NAME, namespace: NS, labels },
    spec: {
      replicas: 1,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          // The nodes have no CNI: they stay NotReady (tainted), and pods use the node's network.
          hostNetwork: true,
          serviceAccountName: NAME,
          tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoSchedule' }],
          containers: [
            {
              name: NAME,
              image: podImages().pause.ref,
              imagePullPolicy: 'Never',
              args: RELEASE_ARGS,
              volumeMounts: [{ mountPath: '/tmp', name: 'tmp-dir' }],
            },
          ],
          volumes: [{ name: 'tmp-dir', emptyDir: {} }],
        },
      },
    },
  };
}
