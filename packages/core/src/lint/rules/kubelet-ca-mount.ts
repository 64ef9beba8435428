import { isMap, type Scalar } from 'yaml';
import { mountClusterCa } from '../cluster-ca-mount.ts';
import { flagUses } from '../container-flags.ts';
import { metricsServerContainers } from '../document-kind.ts';
import { normalizePath, ROOT_CA_CONFIGMAP, resolveFile, volumesOf } from '../pod-volumes.ts';
import { textRange } from '../source-text.ts';
import type { Finding, Fix, Rule, RuleContext } from '../types.ts';

const ID = 'kubelet-ca-mount';
const FLAG = 'kubelet-certificate-authority';

function finding(ctx: RuleContext, node: Scalar, message: string, fixes: Fix[] = []): Finding {
  const [start, end] = node.range ?? [0, 0];
  return { ruleId: ID, severity: 'error', message, range: textRange(ctx.lineCounter, start, end), fixes };
}

/** kube-root-ca.crt volumes that ask for a key other than ca.crt: the pod never starts. */
function badRootCaItems(ctx: RuleContext): Finding[] {
  return metricsServerContainers(ctx.doc).flatMap(({ podSpec }, i) => {
    if (i > 0 || !podSpec) return [];
    return volumesOf(podSpec).flatMap((v, vi) =>
      (v.configMap?.name === ROOT_CA_CONFIGMAP ? (v.configMap.items ?? []) : []).flatMap((item, ii) => {
        if (item.key === 'ca.crt') return [];
        const node = podSpec.getIn(['volumes', vi, 'configMap', 'items', ii, 'key'], true) as
          | Scalar
          | undefined;
        return node
          ? [
              finding(
                ctx,
                node,
                `${ROOT_CA_CONFIGMAP} has only the key ca.crt, not "${item.key}": the volume cannot be mounted and the pod does not start.`,
              ),
            ]
          : [];
      }),
    );
  });
}

/**
 * metrics-server's --kubelet-certificate-authority must name a file the container can read: a
 * path under one of its volumeMounts (or the service account's ca.crt), and a file that volume
 * actually holds. Otherwise metrics-server fails at startup.
 */
export const kubeletCaMount: Rule = {
  id: ID,
  liveCluster: 'apply',
  severity: 'error',
  summary:
    "metrics-server's --kubelet-certificate-authority names a file that no volume of its container provides.",
  check(ctx) {
    // A patch lacks the mounts of the object it patches: whether a file is mounted is unknown.
    if (ctx.kind !== 'metrics-server-workload' || ctx.partial) return [];
    const flags = metricsServerContainers(ctx.doc).flatMap(({ container, podSpec }) =>
      flagUses(container, FLAG).flatMap(({ value, valueNode, node }): Finding[] => {
        if (!value || !valueNode) return [finding(ctx, node, `--${FLAG} has no value.`)];
        const r = resolveFile(podSpec, container, value);
        if (r.status === 'provided') return [];
        if (r.status === 'no-volume')
          return [
            finding(
              ctx,
              valueNode,
              `volumeMount "${r.mount}" refers to no volume of the pod: it is rejected.`,
            ),
          ];
        if (r.status === 'missing-file')
          return [
            finding(
              ctx,
              valueNode,
              `volume ${r.volume} holds ${r.available.length ? r.available.join(', ') : 'no file'}, not ${normalizePath(value).split('/').pop()}: metrics-server cannot read ${value} and does not start.`,
            ),
          ];
        const path = normalizePath(value);
        const dir = path.slice(0, path.lastIndexOf('/')) || '/';
        const edits =
          isMap(podSpec) && dir !== '/'
            ? mountClusterCa(ctx, podSpec, container, dir, path.slice(dir.length + 1))
            : undefined;
        return [
          finding(
            ctx,
            valueNode,
            `${value} is not in any volumeMount of this container: metrics-server cannot read it and does not start. Mount the ${ROOT_CA_CONFIGMAP} ConfigMap there.`,
            edits && edits.length > 0 ? [{ title: `Mount ${ROOT_CA_CONFIGMAP} at ${dir}`, edits }] : [],
          ),
        ];
      }),
    );
    return [...flags, ...badRootCaItems(ctx)];
  },
};
