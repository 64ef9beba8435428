import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { apiCall, apiRequest } from './api.ts';
import type { Cluster } from './cluster.ts';
import { type MetricsServerStandIn, startMetricsServerStandIn } from './metrics-server-standin.ts';
import { podImages } from './paths.ts';
import { issue, makeCa } from './pki.ts';
import type { RealNode } from './real-node.ts';

const NS = 'kube-system';
const NAME = 'metrics-server';
const labels = { 'k8s-app': NAME };

/** metrics-server's release args (components.yaml v0.7), with the flag people add. */
export const RELEASE_ARGS = [
  '--cert-dir=/tmp',
  '--secure-port=10250',
  '--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname',
  '--kubelet-use-node-status-port',
  '--metric-resolution=15s',
  '--kubelet-insecure-tls',
];

/**
 * metrics-server as its release manifest installs it, insecure on both legs, on a sandbox with
 * kube-scheduler: the Deployment runs the pause image on the real nodes (so its rollouts are real),
 * and the stand-in plays its server behind a selector-less Service, its Endpoints and the
 * APIService (insecureSkipTLSVerify: true), serving a certificate of its own CA, as metrics-server
 * does with `--cert-dir`. For the demo, where `secure metrics-server --apply` is the finale.
 */
export async function stageMetricsServer(
  cluster: Cluster,
  nodes: RealNode[],
): Promise<{ standIn: MetricsServerStandIn; followServingSecret: (signal: AbortSignal) => Promise<void> }> {
  const pki = join(cluster.dir, 'metrics-stage-pki');
  mkdirSync(pki, { recursive: true });
  const own = makeCa(pki, 'own-ca', '/CN=metrics-server-own-ca');
  const serving = issue(pki, 'own', '/CN=metrics-server', own, [
    'extendedKeyUsage=serverAuth',
    `subjectAltName=DNS:${NAME}.${NS}.svc,DNS:${NAME}.${NS},DNS:${NAME}`,
  ]);
  const first = nodes[0];
  if (!first) throw new Error('stageMetricsServer needs a real node');
  const standIn = await startMetricsServerStandIn({
    bind: first.network.hostIp,
    serving,
    frontProxyCa: readFileSync(join(cluster.dir, 'pki', 'front-proxy-ca.crt'), 'utf8'),
    admin: cluster.admin,
  });
  const post = (path: string, body: object) => apiCall(cluster.admin, 'POST', path, body);
  await post(`/apis/apps/v1/namespaces/${NS}/deployments`, releaseDeployment());
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
  await post('/apis/apiregistration.k8s.io/v1/apiservices', {
    apiVersion: 'apiregistration.k8s.io/v1',
    kind: 'APIService',
    metadata: { name: 'v1beta1.metrics.k8s.io', labels },
    spec: {
      group: 'metrics.k8s.io',
      version: 'v1beta1',
      groupPriorityMinimum: 100,
      versionPriority: 100,
      service: { name: NAME, namespace: NS },
      insecureSkipTLSVerify: true,
    },
  });
  /** What a new metrics-server pod does with the Secret `--apply` writes: serve it. */
  const followServingSecret = async (signal: AbortSignal) => {
    let served = '';
    while (!signal.aborted) {
      const r = await apiRequest<{ data?: Record<string, string> }>(
        cluster.admin,
        'GET',
        `/api/v1/namespaces/${NS}/secrets/${NAME}-tls`,
      );
      const d = r.status === 200 ? r.body.data : undefined;
      if (d?.['tls.crt'] && d['tls.key'] && d['tls.crt'] !== served) {
        served = d['tls.crt'];
        const text = (k: string) => Buffer.from(d[k] ?? '', 'base64').toString('utf8');
        standIn.setServing({ cert: text('tls.crt'), key: text('tls.key') });
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  };
  return { standIn, followServingSecret };
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
