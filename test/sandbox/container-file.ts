import { posix } from 'node:path';
import { apiRequest, type Credentials } from './api.ts';

interface KeyToPath {
  key: string;
  path: string;
}
interface Projection {
  name?: string;
  secretName?: string;
  items?: KeyToPath[];
  optional?: boolean;
}
export interface PodVolume {
  name: string;
  configMap?: Projection;
  secret?: Projection;
  projected?: { sources?: { configMap?: Projection; secret?: Projection }[] };
}
export interface ContainerSpec {
  name: string;
  command?: string[];
  args?: string[];
  volumeMounts?: { name: string; mountPath: string; subPath?: string }[];
}
export interface PodSpec {
  containers: ContainerSpec[];
  volumes?: PodVolume[];
  automountServiceAccountToken?: boolean;
}

/** Where the ServiceAccount admission plugin mounts the token volume, whose ca.crt is the cluster CA. */
export const SERVICE_ACCOUNT_CA = '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt';
/** The token beside it: what client-go's in-cluster config reads. */
export const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

export type FileRead = { text: string } | { reason: string };

/**
 * What `container` of a pod of `pod` (in `namespace`) reads at `path`, found as the kubelet would
 * lay it out: the deepest volumeMount holding the path (or its subPath), the pod's volume of that
 * name, and that volume's files: a ConfigMap's or Secret's keys (or `items`), or a projected
 * volume's sources, read from the API server now. Written here rather than shared with the product
 * (core's lint resolves mounts too): the stand-in is what catches a mount the product gets wrong.
 * The failure is the reason in the words of what would fail: the kubelet's when the volume cannot
 * be set up (the pod never starts), Go's os.Open when the file is not there.
 */
export async function readContainerFile(
  admin: Credentials,
  namespace: string,
  pod: PodSpec,
  container: ContainerSpec,
  path: string,
): Promise<FileRead> {
  const file = posix.normalize(path);
  const missing = { reason: `open ${path}: no such file or directory` };
  const found = mountOf(withServiceAccount(pod, container), file);
  if (!found) return missing;
  const volume = [...(pod.volumes ?? []), serviceAccountVolume].find((v) => v.name === found.mount.name);
  if (!volume) return { reason: `spec.volumes: Not found: "${found.mount.name}"` };
  const files = await volumeFiles(admin, namespace, volume);
  if ('reason' in files) return files;
  if (found.rel === '') return { reason: `read ${path}: is a directory` };
  const text = files.get(found.rel);
  return text === undefined ? missing : { text };
}

const SERVICE_ACCOUNT_VOLUME = 'kube-api-access';
const serviceAccountVolume: PodVolume = {
  name: SERVICE_ACCOUNT_VOLUME,
  projected: {
    sources: [{ configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } }],
  },
};

/** The container's mounts with the one the ServiceAccount admission plugin adds to its pods (unless told not to). */
function withServiceAccount(pod: PodSpec, container: ContainerSpec): ContainerSpec['volumeMounts'] {
  const mounts = container.volumeMounts ?? [];
  if (pod.automountServiceAccountToken === false) return mounts;
  const dir = posix.dirname(SERVICE_ACCOUNT_CA);
  if (mounts.some((m) => posix.normalize(m.mountPath) === dir)) return mounts;
  return [...mounts, { name: SERVICE_ACCOUNT_VOLUME, mountPath: dir }];
}

/** The mount that holds `file`, and the file's path inside the volume ('' when the mount point itself). */
function mountOf(
  mounts: ContainerSpec['volumeMounts'],
  file: string,
): { mount: NonNullable<ContainerSpec['volumeMounts']>[number]; rel: string } | undefined {
  let best:
    | { mount: NonNullable<ContainerSpec['volumeMounts']>[number]; rel: string; depth: number }
    | undefined;
  for (const mount of mounts ?? []) {
    const at = posix.normalize(mount.mountPath).replace(/\/$/, '');
    const under = file === at ? '' : file.startsWith(`${at}/`) ? file.slice(at.length + 1) : undefined;
    if (under === undefined || (best && best.depth >= at.length)) continue;
    const rel = posix.join(mount.subPath ?? '', under).replace(/^\.$/, '');
    best = { mount, rel, depth: at.length };
  }
  return best;
}

/** A volume's files by their path in it, or why the kubelet cannot set it up. */
async function volumeFiles(
  admin: Credentials,
  namespace: string,
  volume: PodVolume,
): Promise<Map<string, string> | { reason: string }> {
  const sources = volume.projected
    ? (volume.projected.sources ?? [])
    : [{ configMap: volume.configMap, secret: volume.secret }];
  const files = new Map<string, string>();
  for (const s of sources) {
    for (const [kind, p] of [
      ['configmap', s.configMap],
      ['secret', s.secret],
    ] as const) {
      if (!p) continue;
      const got = await projectionFiles(admin, namespace, kind, p);
      if ('reason' in got)
        return { reason: `MountVolume.SetUp failed for volume "${volume.name}" : ${got.reason}` };
      for (const [k, v] of got) files.set(k, v);
    }
  }
  return files;
}

/** The files one ConfigMap or Secret projects: every key, or `items` (each key must exist). */
async function projectionFiles(
  admin: Credentials,
  namespace: string,
  kind: 'configmap' | 'secret',
  p: Projection,
): Promise<Map<string, string> | { reason: string }> {
  const name = (kind === 'secret' ? p.secretName : undefined) ?? p.name ?? '';
  const r = await apiRequest<{ data?: Record<string, string> }>(
    admin,
    'GET',
    `/api/v1/namespaces/${namespace}/${kind === 'secret' ? 'secrets' : 'configmaps'}/${name}`,
  );
  if (r.status === 404) return p.optional ? new Map() : { reason: `${kind} "${name}" not found` };
  if (r.status !== 200) return { reason: `reading ${kind} "${name}": HTTP ${r.status}` };
  const text = (v: string) => (kind === 'secret' ? Buffer.from(v, 'base64').toString('utf8') : v);
  const data = r.body.data ?? {};
  const items = p.items ?? Object.keys(data).map((key) => ({ key, path: key }));
  const files = new Map<string, string>();
  for (const { key, path } of items) {
    const value = data[key];
    if (value === undefined) {
      if (p.optional) continue;
      return {
        reason: `${kind} references non-existent ${kind === 'secret' ? 'secret' : 'config'} key: ${key}`,
      };
    }
    files.set(posix.normalize(path), text(value));
  }
  return files;
}
