import { type Document, isMap, isScalar, isSeq, type Scalar, type YAMLSeq } from 'yaml';
import { argoCdMetricsServerSources } from './helm-values.ts';
import type { DocumentKind } from './types.ts';

/** A string of a document that is a YAML document of its own. */
export interface EmbeddedDocument {
  node: Scalar;
  /** What it is when its container says so (an Argo CD Application names the chart). */
  kind?: DocumentKind;
  /** A strategic-merge patch: only the part of an object it changes. */
  partial?: boolean;
  /** The list item that holds it (a kustomization's patch entry), which a fix may remove whole. */
  entry?: { seq: YAMLSeq; index: number };
}

const isString = (n: unknown): n is Scalar => isScalar(n) && typeof n.value === 'string';

/** An Argo CD Application's helm.values: the metrics-server chart's values as a YAML string. */
function argoCdValues(doc: Document.Parsed): EmbeddedDocument[] {
  return argoCdMetricsServerSources(doc).flatMap(({ source }) => {
    const values = source.getIn(['helm', 'values'], true);
    return isString(values) ? [{ node: values, kind: 'metrics-server-helm-values' as const }] : [];
  });
}

/**
 * Where a kustomization keeps its patches: kustomize's kustomization.yaml (with or without
 * apiVersion and kind) at the top, a Flux Kustomization under spec.
 */
function kustomizationRoot(doc: Document.Parsed): string[] | undefined {
  const kind = doc.get('kind');
  const apiVersion = String(doc.get('apiVersion') ?? '');
  if (apiVersion.startsWith('kustomize.config.k8s.io/') && (kind === 'Kustomization' || kind === 'Component'))
    return [];
  if (apiVersion.startsWith('kustomize.toolkit.fluxcd.io/') && kind === 'Kustomization') return ['spec'];
  const root = doc.contents;
  if (!isMap(root) || kind !== undefined || root.has('apiVersion')) return undefined;
  return ['patches', 'patchesJson6902', 'patchesStrategicMerge'].some((k) => root.has(k)) ? [] : undefined;
}

/**
 * A kustomization's inline patches: `patches[].patch` and `patchesJson6902[].patch` (a
 * strategic-merge patch or a JSON patch), `patchesStrategicMerge[]` items written inline (a file
 * name has no line break).
 */
function kustomizePatches(doc: Document.Parsed): EmbeddedDocument[] {
  const root = kustomizationRoot(doc);
  if (!root) return [];
  const entries = (key: string) => {
    const seq = doc.getIn([...root, key], true);
    return isSeq(seq) ? seq.items.map((item, index) => ({ item, entry: { seq, index } })) : [];
  };
  const withPatch = [...entries('patches'), ...entries('patchesJson6902')].flatMap(({ item, entry }) => {
    const patch = isMap(item) ? item.get('patch', true) : undefined;
    return isString(patch) ? [{ node: patch, entry }] : [];
  });
  const inline = entries('patchesStrategicMerge').flatMap(({ item, entry }) =>
    isString(item) && (item.value as string).includes('\n') ? [{ node: item, entry }] : [],
  );
  return [...withPatch, ...inline].map((p) => ({ ...p, partial: true }));
}

/** The strings of a document that hold YAML documents we lint: GitOps objects keep them so. */
export function embeddedDocuments(doc: Document.Parsed): EmbeddedDocument[] {
  return [...argoCdValues(doc), ...kustomizePatches(doc)];
}
