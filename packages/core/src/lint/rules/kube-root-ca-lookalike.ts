import { isScalar, type Scalar } from 'yaml';
import { metricsServerContainers } from '../document-kind.ts';
import { ROOT_CA_CONFIGMAP, volumesOf } from '../pod-volumes.ts';
import { textRange } from '../source-text.ts';
import type { Finding, Rule, RuleContext } from '../types.ts';
import { replaceScalar } from '../yaml-edits.ts';

const ID = 'kube-root-ca-lookalike';

/** Edit distance, for names one or two keystrokes away from kube-root-ca.crt. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++)
      row[j] = Math.min(
        (prev[j] ?? 0) + 1,
        (row[j - 1] ?? 0) + 1,
        (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    prev = row;
  }
  return prev[b.length] ?? 0;
}

/** "cluster-root-ca", "kube-root-ca", "kube-root-ca-crt": meant kube-root-ca.crt, most likely. */
export function looksLikeRootCa(name: string): boolean {
  if (name === ROOT_CA_CONFIGMAP) return false;
  return /root-?ca/i.test(name.replace(/[._]/g, '-')) || distance(name, ROOT_CA_CONFIGMAP) <= 2;
}

/** ConfigMaps the file itself defines: a look-alike name defined here is deliberate. */
function definedConfigMaps(ctx: RuleContext): Set<string> {
  const names = ctx.docs
    .filter((d) => d.get('kind') === 'ConfigMap')
    .map((d) => d.getIn(['metadata', 'name']))
    .filter((n): n is string => typeof n === 'string');
  return new Set(names);
}

/**
 * A metrics-server pod that mounts a ConfigMap named like kube-root-ca.crt but not that: the
 * ConfigMap does not exist (Kubernetes publishes only kube-root-ca.crt), so the pod never starts.
 */
export const kubeRootCaLookalike: Rule = {
  id: ID,
  severity: 'warning',
  summary: 'metrics-server mounts a ConfigMap whose name looks like a mistake for kube-root-ca.crt.',
  check(ctx) {
    if (ctx.kind !== 'metrics-server-workload') return [];
    const [first] = metricsServerContainers(ctx.doc);
    const podSpec = first?.podSpec;
    if (!podSpec) return [];
    const defined = definedConfigMaps(ctx);
    const paths = volumesOf(podSpec).flatMap((v, i) => [
      ...(v.configMap ? [['volumes', i, 'configMap', 'name']] : []),
      ...(v.projected?.sources ?? []).flatMap((s, si) =>
        s.configMap ? [['volumes', i, 'projected', 'sources', si, 'configMap', 'name']] : [],
      ),
    ]);
    return paths.flatMap((path): Finding[] => {
      const node = podSpec.getIn(path, true);
      if (!isScalar(node) || typeof node.value !== 'string') return [];
      const name = node.value;
      if (!looksLikeRootCa(name) || defined.has(name)) return [];
      const [start, end] = (node as Scalar).range ?? [0, 0];
      return [
        {
          ruleId: ID,
          severity: 'warning',
          message: `ConfigMap "${name}" looks like a mistake for "${ROOT_CA_CONFIGMAP}", the ConfigMap Kubernetes publishes in every namespace with the cluster CA (ca.crt). Unless you create "${name}" yourself, the pod waits for it forever.`,
          range: textRange(ctx.lineCounter, start, end),
          fixes: [
            { title: `Use ${ROOT_CA_CONFIGMAP}`, edits: [replaceScalar(node as Scalar, ROOT_CA_CONFIGMAP)] },
          ],
        },
      ];
    });
  },
};
