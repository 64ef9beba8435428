import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCall } from '../sandbox/api.ts';
import { Cluster } from '../sandbox/cluster.ts';
import { podImages } from '../sandbox/paths.ts';
import { waitFor } from '../sandbox/processes.ts';
import { RealNode } from '../sandbox/real-node.ts';

// The scheduler places every pod without nodeName on some node of its cluster: this file has a
// cluster of its own (with kube-scheduler, and the deployment and replicaset controllers), so
// that only its two real nodes can be chosen.
let cluster: Cluster;
let nodes: RealNode[] = [];

beforeAll(async () => {
  cluster = await Cluster.start({ scheduler: true });
  nodes = await Promise.all(
    ['deploy-1', 'deploy-2'].map((name) => RealNode.start(cluster, { name, serverTLSBootstrap: false })),
  );
}, 180_000);
afterAll(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
  await cluster?.stop();
});

interface PodList {
  items: {
    metadata: { name: string; ownerReferences?: { kind: string }[] };
    spec: { nodeName?: string };
    status: { phase?: string };
  }[];
}

describe('a Deployment on real nodes', () => {
  it('becomes a ReplicaSet and pods that the scheduler places on the real nodes, where they run', async () => {
    const labels = { app: 'pause' };
    await apiCall(cluster.admin, 'POST', '/apis/apps/v1/namespaces/default/deployments', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'pause' },
      spec: {
        replicas: 2,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            // The nodes have no CNI configured: they stay NotReady (tainted not-ready), and pods
            // use the node's network.
            hostNetwork: true,
            tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoSchedule' }],
            // One per node, so that both real nodes run one.
            affinity: {
              podAntiAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: [
                  { labelSelector: { matchLabels: labels }, topologyKey: 'kubernetes.io/hostname' },
                ],
              },
            },
            containers: [{ name: 'pause', image: podImages().pause.ref, imagePullPolicy: 'Never' }],
          },
        },
      },
    });

    let pods: PodList['items'] = [];
    await waitFor(
      'two Running pods of the Deployment',
      async () => {
        pods = (
          await apiCall<PodList>(
            cluster.admin,
            'GET',
            '/api/v1/namespaces/default/pods?labelSelector=app%3Dpause',
          )
        ).items;
        return pods.length === 2 && pods.every((p) => p.status.phase === 'Running');
      },
      { timeoutMs: 150_000, logFile: `${cluster.dir}/logs/kube-scheduler.log` },
    );
    expect(pods.map((p) => p.spec.nodeName).sort()).toEqual(nodes.map((n) => n.name).sort());
    expect(pods.every((p) => p.metadata.ownerReferences?.[0]?.kind === 'ReplicaSet')).toBe(true);
    // The deployment controller sees them available (status written a moment later).
    await waitFor(
      'the Deployment to count 2 available replicas',
      async () =>
        (
          await apiCall<{ status: { availableReplicas?: number } }>(
            cluster.admin,
            'GET',
            '/apis/apps/v1/namespaces/default/deployments/pause',
          )
        ).status.availableReplicas === 2,
      { timeoutMs: 30_000 },
    );
  }, 180_000);
});
