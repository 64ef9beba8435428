import { type Document, isMap, isScalar, isSeq, type YAMLMap } from 'yaml';

/** The metrics-server chart's values: recognised by keys only that chart has together. */
function isMetricsServerValues(m: YAMLMap): boolean {
  const repo = m.getIn(['image', 'repository']);
  // Another image means another chart's values, whatever its args say.
  if (typeof repo === 'string') return /(^|\/)metrics-server$/.test(repo);
  if (m.has('defaultArgs')) return true;
  const api = m.get('apiService', true);
  if (isMap(api) && api.has('insecureSkipTLSVerify')) return true;
  const args = m.get('args', true);
  return (
    isSeq(args) &&
    args.items.some(
      (a) => isScalar(a) && typeof a.value === 'string' && /^--(kubelet-|metric-resolution)/.test(a.value),
    )
  );
}

function isFluxMetricsServerRelease(doc: Document.Parsed): boolean {
  const apiVersion = doc.get('apiVersion');
  if (doc.get('kind') !== 'HelmRelease' || typeof apiVersion !== 'string') return false;
  if (!apiVersion.startsWith('helm.toolkit.fluxcd.io/')) return false;
  const chart = doc.getIn(['spec', 'chart', 'spec', 'chart']) ?? doc.getIn(['spec', 'chartRef', 'name']);
  return chart === 'metrics-server';
}

/**
 * Where the metrics-server chart's values are in a document: the document itself (a values
 * file), its `metrics-server` key (an umbrella chart's values), or a Flux HelmRelease's
 * spec.values. Undefined when the document holds no such values.
 */
export function helmValuesPath(doc: Document.Parsed): string[] | undefined {
  if (isFluxMetricsServerRelease(doc))
    return isMap(doc.getIn(['spec', 'values'], true)) ? ['spec', 'values'] : undefined;
  const root = doc.contents;
  if (!isMap(root) || root.has('apiVersion') || root.has('kind')) return undefined;
  if (isMetricsServerValues(root)) return [];
  const sub = root.get('metrics-server', true);
  return isMap(sub) && (sub.has('args') || sub.has('apiService') || isMetricsServerValues(sub))
    ? ['metrics-server']
    : undefined;
}

/** Kubespray's inventory variables (group_vars): top-level snake_case keys only it uses. */
export function isKubesprayVariables(doc: Document.Parsed): boolean {
  const root = doc.contents;
  if (!isMap(root) || root.has('apiVersion') || root.has('kind')) return false;
  return root.items.some(
    (p) =>
      isScalar(p.key) &&
      typeof p.key.value === 'string' &&
      /^(kube|kubelet|kubeadm|metrics_server|etcd)_[a-z0-9_]+$/.test(p.key.value),
  );
}
