import type { YAMLMap } from 'yaml';

/** Where Kubernetes mounts the service account's token, namespace and the cluster CA (ca.crt). */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
const SERVICE_ACCOUNT_FILES = ['ca.crt', 'namespace', 'token'];

/** The ConfigMap Kubernetes publishes in every namespace; its only key is ca.crt. */
export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';

export interface KeyToPath {
  key?: string;
  path?: string;
}
export interface Projection {
  name?: string;
  secretName?: string;
  items?: KeyToPath[];
}
export interface Volume {
  name?: string;
  configMap?: Projection;
  secret?: Projection;
  projected?: { sources?: { configMap?: Projection; secret?: Projection }[] };
}
export interface VolumeMount {
  name?: string;
  mountPath?: string;
  subPath?: string;
}

/** Why a container cannot read a file, or that it can (as far as the manifest tells). */
export type FileResolution =
  | { status: 'provided'; via: string }
  | { status: 'not-mounted' }
  | { status: 'no-volume'; mount: string }
  | { status: 'missing-file'; volume: string; available: string[] };

/** Collapses duplicate and trailing slashes and `.` segments (paths in manifests are POSIX). */
export function normalizePath(p: string): string {
  const parts = p.split('/').filter((s) => s !== '' && s !== '.');
  return `/${parts.join('/')}`;
}

function plain<T>(node: unknown): T | undefined {
  return (node as { toJSON?: () => T } | undefined)?.toJSON?.();
}

export function volumesOf(podSpec: YAMLMap | undefined): Volume[] {
  const v = plain<unknown>(podSpec?.get('volumes', true));
  return Array.isArray(v) ? (v as Volume[]) : [];
}

export function mountsOf(container: YAMLMap): VolumeMount[] {
  const v = plain<unknown>(container.get('volumeMounts', true));
  return Array.isArray(v) ? (v as VolumeMount[]) : [];
}

/** The mount that holds `path`: an exact subPath mount, else the deepest directory mount. */
function mountFor(mounts: VolumeMount[], path: string): { mount: VolumeMount; rel: string } | undefined {
  let best: { mount: VolumeMount; rel: string } | undefined;
  for (const mount of mounts) {
    if (typeof mount.mountPath !== 'string') continue;
    const at = normalizePath(mount.mountPath);
    if (mount.subPath) {
      if (at === path) return { mount, rel: normalizePath(mount.subPath).slice(1) };
      continue;
    }
    const rel =
      at === '/' ? path.slice(1) : path.startsWith(`${at}/`) ? path.slice(at.length + 1) : undefined;
    if (rel !== undefined && (!best || at.length > normalizePath(best.mount.mountPath ?? '').length))
      best = { mount, rel };
  }
  return best;
}

/**
 * The files a ConfigMap/Secret projection makes visible, or undefined when the manifest cannot
 * tell (a Secret or ConfigMap without items shows all its keys, which live in the cluster).
 */
function projectedFiles(p: Projection, isConfigMap: boolean): string[] | undefined {
  if (Array.isArray(p.items)) return p.items.map((i) => normalizePath(i.path ?? '').slice(1));
  return isConfigMap && p.name === ROOT_CA_CONFIGMAP ? ['ca.crt'] : undefined;
}

function volumeFiles(volume: Volume): string[] | undefined {
  const sources = volume.projected
    ? (volume.projected.sources ?? [])
    : [{ configMap: volume.configMap, secret: volume.secret }];
  const files: string[] = [];
  for (const s of sources) {
    const found = s.configMap
      ? projectedFiles(s.configMap, true)
      : s.secret
        ? projectedFiles(s.secret, false)
        : volume.projected
          ? []
          : undefined;
    if (found === undefined) return undefined;
    files.push(...found);
  }
  return files;
}

/**
 * Whether the container can read the file at `path`, judged from its volumeMounts and the pod's
 * volumes. Volumes whose content the manifest cannot show (hostPath, emptyDir, a Secret without
 * items) count as providing it: only a certain miss is reported.
 */
export function resolveFile(
  podSpec: YAMLMap | undefined,
  container: YAMLMap,
  rawPath: string,
): FileResolution {
  const path = normalizePath(rawPath);
  const found = mountFor(mountsOf(container), path);
  if (!found) {
    const automount = plain<unknown>(podSpec?.get('automountServiceAccountToken', true)) !== false;
    const rel = path.startsWith(`${SERVICE_ACCOUNT_DIR}/`) ? path.slice(SERVICE_ACCOUNT_DIR.length + 1) : '';
    return automount && SERVICE_ACCOUNT_FILES.includes(rel)
      ? { status: 'provided', via: 'the service account token volume' }
      : { status: 'not-mounted' };
  }
  const name = found.mount.name ?? '';
  const volume = volumesOf(podSpec).find((v) => v.name === name);
  if (!volume) return { status: 'no-volume', mount: name };
  const files = volumeFiles(volume);
  if (files === undefined || files.includes(found.rel)) return { status: 'provided', via: `volume ${name}` };
  return { status: 'missing-file', volume: name, available: files };
}
