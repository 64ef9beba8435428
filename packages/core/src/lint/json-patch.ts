import { type Document, isMap, isSeq, type YAMLMap } from 'yaml';

/**
 * A JSON patch (RFC 6902) as kustomize's patchesJson6902 and `kubectl patch --type=json` take it:
 * a list of operations, each with `op` and `path`.
 */
export function jsonPatchOperations(doc: Document.Parsed): YAMLMap[] | undefined {
  const root = doc.contents;
  if (!isSeq(root) || root.items.length === 0) return undefined;
  const ops = (root.items as unknown[]).filter((i): i is YAMLMap => isMap(i) && i.has('op') && i.has('path'));
  return ops.length === root.items.length ? ops : undefined;
}

/** A path into a container's args or command: the list itself, one item, or the end ("-"). */
export const CONTAINER_ARGS_PATH =
  /^\/spec(\/template\/spec|\/jobTemplate\/spec\/template\/spec)?\/(initContainers|containers)\/(\d+|-)\/(args|command)(\/(\d+|-))?$/;
