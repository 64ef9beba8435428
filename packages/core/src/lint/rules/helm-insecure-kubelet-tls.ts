import { isMap } from 'yaml';
import { helmValuesPath } from '../helm-values.ts';
import { textRange } from '../source-text.ts';
import type { Finding, Rule } from '../types.ts';
import { removeSeqItem } from '../yaml-edits.ts';
import { insecureFlags } from './insecure-kubelet-tls.ts';

const ID = 'helm-insecure-kubelet-tls';

/** The metrics-server chart's `args` (and `defaultArgs`) with --kubelet-insecure-tls. */
export const helmInsecureKubeletTls: Rule = {
  id: ID,
  severity: 'warning',
  summary: 'metrics-server Helm values pass --kubelet-insecure-tls: metrics-server does not verify kubelets.',
  check(ctx) {
    if (ctx.kind !== 'metrics-server-helm-values') return [];
    const root = helmValuesPath(ctx.doc) ?? [];
    const values = root.length ? ctx.doc.getIn(root, true) : ctx.doc.contents;
    if (!isMap(values)) return [];
    return insecureFlags(values, ['args', 'defaultArgs']).map(({ seq, index, node }): Finding => {
      const [start, end] = node.range ?? [0, 0];
      return {
        ruleId: ID,
        severity: 'warning',
        message:
          'metrics-server does not verify kubelet certificates (--kubelet-insecure-tls in the chart values). Remove it once the kubelets serve CA-signed certificates (kubectl certs inspect-kubelet, kubectl certs approve-serving): metrics-server then verifies them with the in-cluster CA.',
        range: textRange(ctx.lineCounter, start, end),
        fixes: [
          {
            title:
              'Remove --kubelet-insecure-tls (metrics-server then verifies kubelets with the in-cluster CA)',
            edits: [removeSeqItem(ctx.text, seq, index)],
          },
        ],
      };
    });
  },
};
