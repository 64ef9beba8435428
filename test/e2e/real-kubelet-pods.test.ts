import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCall } from '../sandbox/api.ts';
import { uniqueNodeName } from '../sandbox/node-identity.ts';
import { podImages } from '../sandbox/paths.ts';
import { waitFor } from '../sandbox/processes.ts';
import { RealNode } from '../sandbox/real-node.ts';
import { sharedCluster } from './shared-cluster.ts';

// Pods on a real node: the pod sandbox is the pause image built from the Kubernetes source, the
// container the static exit-code binary, both imported into the node's containerd (never pulled).
const cluster = sharedCluster();
let node: RealNode;

beforeAll(async () => {
  // Self-signed serving certificate: it serves from the start (the API server, like kubeadm's,
  // does not verify kubelets), so `kubectl logs` needs no approval first.
  node = await RealNode.start(cluster, { name: uniqueNodeName('pods'), serverTLSBootstrap: false });
}, 180_000);
afterAll(() => node?.stop());

const TOKEN_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

interface ContainerStatus {
  name: string;
  state: { running?: object; terminated?: { exitCode: number; reason?: string } };
}
interface PodObject {
  spec: { volumes?: { name: string; secret?: { secretName: string } }[] };
  status: { phase?: string; containerStatuses?: ContainerStatus[] };
}

describe('pods on a real kubelet', () => {
  it('a hostNetwork pod with nodeName runs, its container reads the service-account token and reaches the API server, and its exit code is read back', async () => {
    const images = podImages();
    const apiServer = `${node.network.hostIp}:${cluster.apiPort}`;
    const name = `exit-${node.name}`;
    const path = `/api/v1/namespaces/default/pods/${name}`;
    await apiCall(cluster.admin, 'POST', '/api/v1/namespaces/default/pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name },
      spec: {
        nodeName: node.name,
        hostNetwork: true,
        restartPolicy: 'Never',
        containers: [
          // Keeps the pod Running while the other container has exited.
          { name: 'pause', image: images.pause.ref, imagePullPolicy: 'Never' },
          {
            name: 'exit',
            image: images.exitCode.ref,
            imagePullPolicy: 'Never',
            // 42 if the token and the CA the kubelet mounted are readable (else 100), and the API
            // server accepts a connection at this machine's end of the node's veth (else 101).
            args: ['42', `${TOKEN_DIR}/token`, `${TOKEN_DIR}/ca.crt`, `tcp:${apiServer}`],
          },
        ],
      },
    });

    let pod: PodObject | undefined;
    const exitOf = (p: PodObject | undefined) =>
      p?.status.containerStatuses?.find((c) => c.name === 'exit')?.state.terminated?.exitCode;
    await waitFor(
      `pod ${name} Running with its exit container terminated`,
      async () => {
        pod = await apiCall<PodObject>(cluster.admin, 'GET', path);
        return pod.status.phase === 'Running' && exitOf(pod) !== undefined;
      },
      { timeoutMs: 90_000, logFile: `${node.dir}/logs/kubelet.log` },
    );
    expect(exitOf(pod)).toBe(42);
    expect(pod?.status.containerStatuses?.find((c) => c.name === 'pause')?.state.running).toBeDefined();
    expect(pod?.spec.volumes?.some((v) => v.secret?.secretName.startsWith('default-token-'))).toBe(true);

    // The container's output, through the API server and the kubelet's own server.
    const logs = execFileSync(
      'kubectl',
      ['--kubeconfig', cluster.adminKubeconfig, 'logs', name, '-c', 'exit'],
      { encoding: 'utf8' },
    );
    expect(logs).toMatch(new RegExp(`exit-code: read ${TOKEN_DIR}/token \\([1-9]\\d* bytes\\)`));
    expect(logs).toContain(`exit-code: connected to ${apiServer}`);
    expect(logs).toContain('exit-code: exiting with 42');

    await apiCall(cluster.admin, 'DELETE', `${path}?gracePeriodSeconds=0`);
  }, 120_000);
});
