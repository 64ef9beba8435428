import { spawnSync } from 'node:child_process';
import { apiCall } from './api.ts';
import { SandboxError } from './paths.ts';
import type { RealNode } from './real-node.ts';

interface Service {
  spec: { clusterIP: string; ports: { port: number }[] };
}

function run(what: string, args: string[]): void {
  const [cmd, ...rest] = args as [string, ...string[]];
  const r = spawnSync(cmd, rest, { encoding: 'utf8' });
  if (r.error) throw new SandboxError(`${what}: cannot run ${cmd} (${r.error.message})`);
  if (r.status !== 0)
    throw new SandboxError(`${what}: ${args.join(' ')}: ${(r.stderr || r.stdout).trim().split('\n')[0]}`);
}

/**
 * kube-proxy's part for one Service, `default/kubernetes`, on one node (the sandbox runs no
 * kube-proxy): inside the node's network namespace, connections to the Service's cluster IP and
 * port are DNATed to the API server at this machine's end of the node's veth, as kube-proxy's
 * iptables mode does. So a pod on the node's network finds the API server where every pod does:
 * KUBERNETES_SERVICE_HOST/PORT, which the kubelet sets from that Service, and a name the API
 * server's certificate holds (its first service IP). Returns the address proxied. The rules live
 * in the namespace and go with it.
 */
export async function proxyKubernetesService(node: RealNode): Promise<string> {
  const svc = await apiCall<Service>(
    node.cluster.admin,
    'GET',
    '/api/v1/namespaces/default/services/kubernetes',
  );
  const ip = svc.spec.clusterIP;
  const port = svc.spec.ports[0]?.port ?? 443;
  const { netns, netnsPath, hostIp } = node.network;
  // A route first: without one, connect() fails before netfilter sees the packet.
  run('cannot route the Service IP', ['ip', '-n', netns, 'route', 'add', `${ip}/32`, 'via', hostIp]);
  run('cannot proxy the kubernetes Service', [
    'nsenter',
    `--net=${netnsPath}`,
    '--',
    'iptables',
    '-t',
    'nat',
    '-A',
    'OUTPUT',
    '-d',
    `${ip}/32`,
    '-p',
    'tcp',
    '--dport',
    String(port),
    '-j',
    'DNAT',
    '--to-destination',
    `${hostIp}:${node.cluster.apiPort}`,
  ]);
  return `${ip}:${port}`;
}
