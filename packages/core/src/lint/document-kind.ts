import { type Document, isMap, isSeq, type YAMLMap } from 'yaml';
import { helmValuesPath, isKubesprayVariables } from './helm-values.ts';
import { jsonPatchOperations } from './json-patch.ts';
import { kubeApiserverContainer } from './kube-apiserver-pod.ts';
import type { DocumentKind } from './types.ts';

const WORKLOADS = new Set(['Deployment', 'DaemonSet', 'StatefulSet', 'ReplicaSet', 'Pod']);

function str(doc: Document.Parsed, path: (string | number)[]): string | undefined {
  const v = doc.getIn(path);
  return typeof v === 'string' ? v : undefined;
}

/** The pod spec of a workload document (a Pod's spec, or a controller's template spec). */
export function podSpecPath(doc: Document.Parsed): (string | number)[] {
  return str(doc, ['kind']) === 'Pod' ? ['spec'] : ['spec', 'template', 'spec'];
}

/** The containers of a workload document, as YAML map nodes, with their index. */
export function containers(doc: Document.Parsed): { node: YAMLMap; index: number }[] {
  const seq = doc.getIn([...podSpecPath(doc), 'containers'], true);
  if (!isSeq(seq)) return [];
  return seq.items.flatMap((node, index) => (isMap(node) ? [{ node, index }] : []));
}

/** metrics-server's container: by image (…/metrics-server:tag) or by name. */
export function isMetricsServerContainer(c: YAMLMap): boolean {
  const image = c.get('image');
  const name = c.get('name');
  return (
    (typeof image === 'string' && /(^|\/)metrics-server(:|@|$)/.test(image)) || name === 'metrics-server'
  );
}

/** What a document is, from its apiVersion and kind (and, for workloads, its containers). */
export function documentKind(doc: Document.Parsed): DocumentKind {
  const kind = str(doc, ['kind']);
  const apiVersion = str(doc, ['apiVersion']) ?? '';
  if (kind === 'APIService' && apiVersion.startsWith('apiregistration.k8s.io/')) return 'apiservice';
  if (kind === 'KubeletConfiguration' && apiVersion.startsWith('kubelet.config.k8s.io/'))
    return 'kubelet-configuration';
  if (apiVersion.startsWith('kubeadm.k8s.io/')) return 'kubeadm-configuration';
  if (kubeApiserverContainer(doc)) return 'kube-apiserver-pod';
  if (jsonPatchOperations(doc)) return 'json-patch';
  if (kind && WORKLOADS.has(kind))
    return containers(doc).some((c) => isMetricsServerContainer(c.node))
      ? 'metrics-server-workload'
      : 'workload';
  if (helmValuesPath(doc)) return 'metrics-server-helm-values';
  if (isKubesprayVariables(doc)) return 'kubespray-variables';
  return 'unknown';
}

/** metrics-server's containers of a workload document, with the pod spec they run in. */
export function metricsServerContainers(
  doc: Document.Parsed,
): { container: YAMLMap; podSpec: YAMLMap | undefined }[] {
  const spec = doc.getIn(podSpecPath(doc), true);
  const podSpec = isMap(spec) ? spec : undefined;
  return containers(doc)
    .filter((c) => isMetricsServerContainer(c.node))
    .map((c) => ({ container: c.node, podSpec }));
}
