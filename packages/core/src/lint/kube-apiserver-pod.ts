import type { Document, YAMLMap } from 'yaml';
import { containers } from './document-kind.ts';

/** kube-apiserver's container: by image (…/kube-apiserver:tag), name, or the command it runs. */
function isKubeApiserverContainer(c: YAMLMap): boolean {
  const image = c.get('image');
  const command = c.getIn(['command', 0]);
  return (
    (typeof image === 'string' && /(^|\/)kube-apiserver(-[a-z0-9]+)?(:|@|$)/.test(image)) ||
    c.get('name') === 'kube-apiserver' ||
    (typeof command === 'string' && /(^|\/)kube-apiserver$/.test(command))
  );
}

/**
 * The kube-apiserver container of a Pod: a static Pod manifest as kubeadm writes it
 * (/etc/kubernetes/manifests/kube-apiserver.yaml), or its mirror Pod as the API returns it.
 */
export function kubeApiserverContainer(doc: Document.Parsed): YAMLMap | undefined {
  if (doc.get('kind') !== 'Pod') return undefined;
  return containers(doc).find((c) => isKubeApiserverContainer(c.node))?.node;
}
