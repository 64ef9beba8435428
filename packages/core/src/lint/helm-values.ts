import { type Document, isMap, isScalar, isSeq, type YAMLMap } from 'yaml';

/** The metrics-server chart's values: recognised by keys only that chart has together. */
function isMetricsServerValues(m: YAMLMap): boolean {
  const repo = m.getIn(['image', 'repository']);
  // Another image means another chart's values, whatever its args say.
  if (typeof repo === 'string') return /(^|\/)metrics-server$/.test(repo);
  if (m.has('defaultArgs')) return true;
  const api = m.get('apiService', true);
  if (isMap(api) && api.has('insecureSkipTLSVerify')) return true;
  // Bitnami's chart: extraArgs as a map of flag names (up to 5.x) or a list of flags.
  const extra = m.get('extraArgs', true);
  if (isMap(extra) && extra.items.some((p) => isScalar(p.key) && /^kubelet-/.test(String(p.key.value))))
    return true;
  return [m.get('args', true), extra].some(
    (args) =>
      isSeq(args) &&
      args.items.some(
        (a) => isScalar(a) && typeof a.value === 'string' && /^--(kubelet-|metric-resolution)/.test(a.value),
      ),
  );
}

/** An Argo CD Application source that installs the metrics-server chart (kubernetes-sigs' or Bitnami's). */
function isMetricsServerSource(source: unknown): source is YAMLMap {
  return isMap(source) && source.get('chart') === 'metrics-server';
}

/** The sources of an Argo CD Application (spec.source, or each of spec.sources), with their paths. */
export function argoCdMetricsServerSources(
  doc: Document.Parsed,
): { source: YAMLMap; path: (string | number)[] }[] {
  const apiVersion = doc.get('apiVersion');
  if (doc.get('kind') !== 'Application' || typeof apiVersion !== 'string') return [];
  if (!apiVersion.startsWith('argoproj.io/')) return [];
  const one = doc.getIn(['spec', 'source'], true);
  const many = doc.getIn(['spec', 'sources'], true);
  const all = [
    { node: one, path: ['spec', 'source'] as (string | number)[] },
    ...(isSeq(many) ? many.items.map((node, i) => ({ node, path: ['spec', 'sources', i] })) : []),
  ];
  return all.flatMap(({ node, path }) => (isMetricsServerSource(node) ? [{ source: node, path }] : []));
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
 * file), its `metrics-server` key (an umbrella chart's values), a Flux HelmRelease's
 * spec.values, or an Argo CD Application's helm.valuesObject. Undefined when the document holds
 * no such values (an Application's helm.values string is linted as a document of its own).
 */
export function helmValuesPath(doc: Document.Parsed): (string | number)[] | undefined {
  if (isFluxMetricsServerRelease(doc))
    return isMap(doc.getIn(['spec', 'values'], true)) ? ['spec', 'values'] : undefined;
  const argo = argoCdMetricsServerSources(doc).find(({ source }) =>
    isMap(source.getIn(['helm', 'valuesObject'], true)),
  );
  if (argo) return [...argo.path, 'helm', 'valuesObject'];
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
