/**
 * How to make kubelets that serve self-signed certificates ask for CA-signed ones
 * (serverTLSBootstrap: true). We cannot reach the nodes, so these are the steps for a human: with
 * kubeadm (its kubelet-config ConfigMap exists) the ConfigMap, then per node kubeadm's own phase;
 * otherwise the kubelet's config file on each node.
 */
export function serverTlsBootstrapSteps(nodes: string[], kubeadmConfigMap: string | undefined): string[] {
  if (nodes.length === 0) return [];
  const perNode = (n: string) =>
    kubeadmConfigMap
      ? `on ${n}: kubeadm upgrade node phase kubelet-config && systemctl restart kubelet; then kubectl certs approve-serving --node ${n}`
      : `on ${n}: set serverTLSBootstrap: true in the kubelet's config file (kubeadm and most installers: /var/lib/kubelet/config.yaml) and restart the kubelet; then kubectl certs approve-serving --node ${n}`;
  return [
    ...(kubeadmConfigMap
      ? [
          `kubectl -n kube-system edit configmap ${kubeadmConfigMap}: set serverTLSBootstrap: true in its KubeletConfiguration (new nodes then join with it)`,
        ]
      : []),
    ...nodes.map(perNode),
  ];
}
