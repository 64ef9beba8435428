import type { YAMLMap } from 'yaml';
import { ROOT_CA_CONFIGMAP } from './pod-volumes.ts';
import type { RuleContext, TextEdit } from './types.ts';
import { appendToSeqOrAdd } from './yaml-edits.ts';

/** The volume name our fixes use for the kube-root-ca.crt ConfigMap. */
export const ROOT_CA_VOLUME = 'kube-root-ca';

/**
 * Edits that mount the kube-root-ca.crt ConfigMap's ca.crt as `<dir>/<file>` in the container:
 * a volumeMount and a pod volume, each added once (the fix is idempotent). Undefined when a list
 * we would append to is in flow style: we do not guess at its layout.
 */
export function mountClusterCa(
  ctx: RuleContext,
  podSpec: YAMLMap,
  container: YAMLMap,
  dir: string,
  file = 'ca.crt',
): TextEdit[] | undefined {
  const mountLines = [`name: ${ROOT_CA_VOLUME}`, `mountPath: ${dir}`, 'readOnly: true'];
  const volumeLines = [
    `name: ${ROOT_CA_VOLUME}`,
    'configMap:',
    `  name: ${ROOT_CA_CONFIGMAP}`,
    '  items:',
    '  - key: ca.crt',
    `    path: ${file}`,
  ];
  const mountEdit = ensureNamedItem(ctx, container, 'volumeMounts', mountLines);
  const volumeEdit = ensureNamedItem(ctx, podSpec, 'volumes', volumeLines);
  if (mountEdit === undefined || volumeEdit === undefined) return undefined;
  return [...mountEdit, ...volumeEdit];
}

/**
 * The edit that appends an item named kube-root-ca to the list at `key` ([] when one is already
 * there), or undefined when the list is in flow style.
 */
function ensureNamedItem(
  ctx: RuleContext,
  map: YAMLMap,
  key: string,
  lines: string[],
): TextEdit[] | undefined {
  const items = (map.get(key) as { toJSON?: () => unknown } | undefined)?.toJSON?.() as
    | { name?: string }[]
    | undefined;
  if (items?.some((i) => i.name === ROOT_CA_VOLUME)) return [];
  const edit = appendToSeqOrAdd(ctx.text, map, key, lines, ctx.eol);
  return edit ? [edit] : undefined;
}
