import { isDeepStrictEqual } from 'node:util';
import { parse } from 'yaml';

/** The server-side apply configuration of the kubelet leg: only the fields its edits change. */
export interface DeploymentApplyPatch {
  apiVersion: 'apps/v1';
  kind: 'Deployment';
  metadata: { name: string; namespace: string };
  spec: { template: { spec: { containers: Record<string, unknown>[]; volumes?: unknown[] } } };
}

export type PatchResult =
  | { ok: true; patch: DeploymentApplyPatch | undefined }
  | { ok: false; reason: string };

interface PodSpec {
  containers?: Record<string, unknown>[];
  volumes?: Record<string, unknown>[];
}

// A container's lists that server-side apply replaces whole (atomic): we must send them whole.
const ATOMIC_FIELDS = ['command', 'args'];

/**
 * The kubelet leg's Deployment edit (the plan's `before` and `after`) as a server-side apply
 * configuration that names only what the edit changes: the container's args (or command), the
 * volume mounts and volumes it adds or changes (keyed by mountPath and name, as the API server
 * merges them). Everything else stays its current managers'; undefined when nothing changes. An
 * edit that removes a mount or a volume cannot be said this way (apply removes only our own
 * fields), so it is refused.
 */
export function kubeletLegPatch(beforeYaml: string, afterYaml: string): PatchResult {
  const before = parse(beforeYaml) as {
    metadata?: { name?: string; namespace?: string };
    spec?: { template?: { spec?: PodSpec } };
  };
  const after = parse(afterYaml) as typeof before;
  const b = before.spec?.template?.spec ?? {};
  const a = after.spec?.template?.spec ?? {};
  const containers: Record<string, unknown>[] = [];
  for (const c of a.containers ?? []) {
    const old = (b.containers ?? []).find((x) => x.name === c.name) ?? {};
    const entry: Record<string, unknown> = {};
    for (const f of ATOMIC_FIELDS)
      if (!isDeepStrictEqual(old[f], c[f]) && c[f] !== undefined) entry[f] = c[f];
    const mounts = changedEntries(old.volumeMounts, c.volumeMounts, 'mountPath');
    if (!mounts.ok) return { ok: false, reason: `container ${String(c.name)}: ${mounts.reason}` };
    if (mounts.entries.length) entry.volumeMounts = mounts.entries;
    if (Object.keys(entry).length) containers.push({ name: c.name, ...entry });
  }
  const volumes = changedEntries(b.volumes, a.volumes, 'name');
  if (!volumes.ok) return { ok: false, reason: volumes.reason };
  if (containers.length === 0 && volumes.entries.length === 0) return { ok: true, patch: undefined };
  return {
    ok: true,
    patch: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: before.metadata?.name ?? '', namespace: before.metadata?.namespace ?? '' },
      spec: {
        template: {
          spec: { containers, ...(volumes.entries.length ? { volumes: volumes.entries } : {}) },
        },
      },
    },
  };
}

function changedEntries(
  before: unknown,
  after: unknown,
  key: string,
): { ok: true; entries: Record<string, unknown>[] } | { ok: false; reason: string } {
  const b = (before ?? []) as Record<string, unknown>[];
  const a = (after ?? []) as Record<string, unknown>[];
  const removed = b.filter((x) => !a.some((y) => y[key] === x[key]));
  if (removed.length)
    return {
      ok: false,
      reason: `the edit removes ${removed.map((x) => `${key} ${String(x[key])}`).join(', ')}, which a server-side apply of our fields cannot do`,
    };
  return {
    ok: true,
    entries: a.filter(
      (x) =>
        !isDeepStrictEqual(
          x,
          b.find((y) => y[key] === x[key]),
        ),
    ),
  };
}
