import { randomInt } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { apiCall, type Credentials } from './api.ts';
import type { Cluster } from './cluster.ts';
import { writeKubeconfig } from './kubeconfig.ts';
import { clientCert } from './pki.ts';

/** A simulated node: its kubelet client identity and the Node object it registered. */
export interface NodeIdentity {
  name: string;
  /** The node's InternalIP, a loopback address unique to it so a fake kubelet can bind there. */
  ip: string;
  creds: Credentials;
  kubeconfig: string;
}

export interface AddNodeOptions {
  ip?: string;
  kubeletPort?: number;
  /** Extra status.addresses beyond InternalIP and Hostname (e.g. ExternalIP, InternalDNS). */
  extraAddresses?: { type: string; address: string }[];
  /** Make the identity only; register no Node object. */
  noNode?: boolean;
}

/** A random 127.x.y.z (not 127.0.0.1): unique per node so tests sharing a cluster never collide. */
export function randomLoopbackIp(): string {
  return `127.${randomInt(1, 255)}.${randomInt(0, 256)}.${randomInt(2, 255)}`;
}

/** A node name unique within a test run, e.g. "worker-3f9a". */
export function uniqueNodeName(prefix = 'worker'): string {
  return `${prefix}-${randomInt(0x1000, 0xffff).toString(16)}`;
}

/**
 * Makes the kubelet's client identity (system:node:NAME in system:nodes, signed by the cluster
 * CA) and registers the Node *as that node*, as a kubelet does: the Node authorizer and
 * NodeRestriction then apply exactly as on a real cluster. Status is PATCHed directly on
 * nodes/NAME/status, because a 1.20 node may not GET nodes/status (which kubectl would do first).
 */
export async function addNode(
  cluster: Cluster,
  name: string,
  opts: AddNodeOptions = {},
): Promise<NodeIdentity> {
  const node = nodeIdentity(cluster, name, opts.ip ?? randomLoopbackIp());
  if (opts.noNode) return node;
  await apiCall(node.creds, 'POST', '/api/v1/nodes', {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64' },
    },
  });
  await setNodeStatus(node, opts.kubeletPort ?? 10250, opts.extraAddresses ?? []);
  return node;
}

/**
 * The kubelet's client identity alone, in the node's folder. A real kubelet in a network
 * namespace reaches the API server at `server` (this machine's end of its veth), which the
 * API server's certificate does not name: its kubeconfig verifies the name "localhost" instead.
 */
export function nodeIdentity(cluster: Cluster, name: string, ip: string, server?: string): NodeIdentity {
  const dir = join(cluster.dir, 'nodes', name);
  mkdirSync(dir, { recursive: true });
  const pair = clientCert(dir, 'client', `/O=system:nodes/CN=system:node:${name}`, cluster.ca, 'ec');
  // The harness itself acts as the node over loopback (creds); only the kubeconfig uses `server`.
  const creds = { server: cluster.server, ca: cluster.ca.cert, cert: pair.cert, key: pair.key };
  const user = `system:node:${name}`;
  const kubeconfig = server
    ? writeKubeconfig(join(dir, 'kubeconfig'), { ...creds, server }, user, undefined, 'localhost')
    : writeKubeconfig(join(dir, 'kubeconfig'), creds, user);
  return { name, ip, creds, kubeconfig };
}

export async function setNodeStatus(
  node: NodeIdentity,
  kubeletPort: number,
  extra: { type: string; address: string }[] = [],
): Promise<void> {
  const addresses = [
    { type: 'InternalIP', address: node.ip },
    { type: 'Hostname', address: node.name },
    ...extra,
  ];
  await apiCall(
    node.creds,
    'PATCH',
    `/api/v1/nodes/${node.name}/status`,
    { status: { addresses, daemonEndpoints: { kubeletEndpoint: { Port: kubeletPort } } } },
    'application/merge-patch+json',
  );
}
