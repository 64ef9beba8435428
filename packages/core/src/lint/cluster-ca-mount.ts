import { isSeq, stringify, type YAMLMap } from 'yaml';
import {
  mountsOf,
  normalizePath,
  type Projection,
  ROOT_CA_CONFIGMAP,
  type Volume,
  volumesOf,
} from './pod-volumes.ts';
import type { RuleContext, TextEdit } from './types.ts';
import { appendToSeqOrAdd } from './yaml-edits.ts';

/** The volume name our fixes use for the kube-root-ca.crt ConfigMap. */
export const ROOT_CA_VOLUME = 'kube-root-ca';

/** The file name the ConfigMap's ca.crt gets in a projection of kube-root-ca.crt (undefined: not shown). */
function caFileOf(p: Projection | undefined): string | undefined {
  if (p?.name !== ROOT_CA_CONFIGMAP) return undefined;
  if (!Array.isArray(p.items)) return 'ca.crt';
  const item = p.items.find((i) => i.key === 'ca.crt');
  return item?.path ? normalizePath(item.path).slice(1) : undefined;
}

/** A pod volume that shows kube-root-ca.crt's ca.crt (a configMap volume or a projected source). */
function clusterCaVolume(podSpec: YAMLMap): { name: string; file: string } | undefined {
  for (const v of volumesOf(podSpec) as Volume[]) {
    const sources = v.projected ? (v.projected.sources ?? []) : [{ configMap: v.configMap }];
    const file = sources.map((s) => caFileOf(s.configMap)).find((f) => f !== undefined);
    if (file && typeof v.name === 'string') return { name: v.name, file };
  }
  return undefined;
}

/**
 * Where the container already reads the cluster CA: the path of ca.crt under a mount of a pod
 * volume that shows kube-root-ca.crt. Undefined when it has no such mount.
 */
export function mountedClusterCa(podSpec: YAMLMap, container: YAMLMap): string | undefined {
  const volume = clusterCaVolume(podSpec);
  if (!volume) return undefined;
  for (const m of mountsOf(container)) {
    if (m.name !== volume.name || typeof m.mountPath !== 'string') continue;
    if (!m.subPath) return `${normalizePath(m.mountPath).replace(/\/$/, '')}/${volume.file}`;
    if (normalizePath(m.subPath).slice(1) === volume.file) return normalizePath(m.mountPath);
  }
  return undefined;
}

/** One list item as block lines (relative indentation) and as flow text, from one object. */
function item(value: Record<string, unknown>): { lines: string[]; flow: string } {
  return {
    lines: stringify(value, { indentSeq: false, lineWidth: 0 }).trimEnd().split('\n'),
    flow: stringify(value, { collectionStyle: 'flow', flowCollectionPadding: false, lineWidth: 0 }).trimEnd(),
  };
}

/**
 * Edits that mount the kube-root-ca.crt ConfigMap's ca.crt as `<dir>/<file>` in the container. A
 * pod volume that already shows that ConfigMap is reused (only a volumeMount is added) when it
 * names the file the same; otherwise a volumeMount and a pod volume are added, each once (the fix
 * is idempotent). Block and flow lists are both appended to. Undefined when a map we would add a
 * list to is in a layout we do not rewrite.
 */
export function mountClusterCa(
  ctx: RuleContext,
  podSpec: YAMLMap,
  container: YAMLMap,
  dir: string,
  file = 'ca.crt',
): TextEdit[] | undefined {
  const existing = clusterCaVolume(podSpec);
  const reuse = existing?.file === file ? existing.name : undefined;
  const mount = item({ name: reuse ?? ROOT_CA_VOLUME, mountPath: dir, readOnly: true });
  const mountEdit = ensureNamedItem(ctx, container, 'volumeMounts', reuse ?? ROOT_CA_VOLUME, mount, dir);
  if (reuse) return mountEdit;
  const volume = item({
    name: ROOT_CA_VOLUME,
    configMap: { name: ROOT_CA_CONFIGMAP, items: [{ key: 'ca.crt', path: file }] },
  });
  const volumeEdit = ensureNamedItem(ctx, podSpec, 'volumes', ROOT_CA_VOLUME, volume);
  if (mountEdit === undefined || volumeEdit === undefined) return undefined;
  return [...mountEdit, ...volumeEdit];
}

/**
 * The edit that appends the item named `name` to the list at `key` ([] when one is already there,
 * at `mountPath` if given), or undefined when we cannot add to that list.
 */
function ensureNamedItem(
  ctx: RuleContext,
  map: YAMLMap,
  key: string,
  name: string,
  entry: { lines: string[]; flow: string },
  mountPath?: string,
): TextEdit[] | undefined {
  const list = map.get(key, true);
  const items = (isSeq(list) ? list.toJSON() : []) as { name?: string; mountPath?: string }[];
  const same = (i: { name?: string; mountPath?: string }) =>
    i?.name === name &&
    (mountPath === undefined || normalizePath(i.mountPath ?? '') === normalizePath(mountPath));
  if (items.some(same)) return [];
  const edit = appendToSeqOrAdd(ctx.text, map, key, entry.lines, ctx.eol, entry.flow);
  return edit ? [edit] : undefined;
}
