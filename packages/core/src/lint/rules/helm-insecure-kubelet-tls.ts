import { isMap, isScalar, type YAMLMap } from 'yaml';
import { helmValuesPath } from '../helm-values.ts';
import { textRange } from '../source-text.ts';
import type { Finding, Rule, RuleContext } from '../types.ts';
import { removeSeqItem, replaceScalar } from '../yaml-edits.ts';
import { insecureFlags } from './insecure-kubelet-tls.ts';

const ID = 'helm-insecure-kubelet-tls';
const ONCE_SIGNED =
  'once the kubelets serve CA-signed certificates (kubectl certs inspect-kubelet, kubectl certs approve-serving): metrics-server then verifies them with the in-cluster CA.';

/**
 * The metrics-server chart's `args` (and `defaultArgs`) with --kubelet-insecure-tls; Bitnami's
 * chart's `extraArgs` (a list of flags, or a map of flag names).
 */
export const helmInsecureKubeletTls: Rule = {
  id: ID,
  liveCluster: 'print-values',
  severity: 'warning',
  summary: 'metrics-server Helm values pass --kubelet-insecure-tls: metrics-server does not verify kubelets.',
  check(ctx) {
    if (ctx.kind !== 'metrics-server-helm-values') return [];
    const root = helmValuesPath(ctx.doc) ?? [];
    const values = root.length ? ctx.doc.getIn(root, true) : ctx.doc.contents;
    if (!isMap(values)) return [];
    return [
      ...insecureFlags(values, ['args', 'defaultArgs', 'extraArgs']).map(({ seq, index, node }): Finding => {
        const [start, end] = node.range ?? [0, 0];
        return {
          ruleId: ID,
          severity: 'warning',
          message: `metrics-server does not verify kubelet certificates (--kubelet-insecure-tls in the chart values). Remove it ${ONCE_SIGNED}`,
          range: textRange(ctx.lineCounter, start, end),
          fixes: [
            {
              title:
                'Remove --kubelet-insecure-tls (metrics-server then verifies kubelets with the in-cluster CA)',
              edits: [removeSeqItem(ctx.text, seq, index)],
            },
          ],
        };
      }),
      ...extraArgsMap(ctx, values),
    ];
  },
};

/** Bitnami's chart up to 5.x: extraArgs as a map, rendered as --<key>=<value>. */
function extraArgsMap(ctx: RuleContext, values: YAMLMap): Finding[] {
  const extra = values.get('extraArgs', true);
  const value = isMap(extra) ? extra.get('kubelet-insecure-tls', true) : undefined;
  if (!isScalar(value) || !/^(true|1|t|T|TRUE|True)$/.test(String(value.value))) return [];
  const [start, end] = value.range ?? [0, 0];
  return [
    {
      ruleId: ID,
      severity: 'warning',
      message: `metrics-server does not verify kubelet certificates (extraArgs kubelet-insecure-tls: ${value.source ?? value.value} in the chart values). Set it to false ${ONCE_SIGNED}`,
      range: textRange(ctx.lineCounter, start, end),
      fixes: [
        {
          title:
            'Set kubelet-insecure-tls: false (metrics-server then verifies kubelets with the in-cluster CA)',
          edits: [replaceScalar(value, 'false')],
        },
      ],
    },
  ];
}
