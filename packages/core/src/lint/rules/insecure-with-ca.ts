import { containers, isMetricsServerContainer } from '../document-kind.ts';
import { textRange } from '../source-text.ts';
import type { Finding, Rule } from '../types.ts';
import { removeSeqItem } from '../yaml-edits.ts';
import { hasCaFlag, insecureFlags } from './insecure-kubelet-tls.ts';

/** metrics-server refuses to start with both flags: one says verify, the other says do not. */
export const insecureWithCa: Rule = {
  id: 'insecure-with-ca',
  liveCluster: 'apply',
  severity: 'error',
  summary:
    'metrics-server has both --kubelet-insecure-tls and --kubelet-certificate-authority: it refuses to start.',
  check(ctx) {
    if (ctx.kind !== 'metrics-server-workload') return [];
    return containers(ctx.doc)
      .filter((c) => isMetricsServerContainer(c.node) && hasCaFlag(c.node))
      .flatMap((c) =>
        insecureFlags(c.node).map(({ seq, index, node }): Finding => {
          const [start, end] = node.range ?? [0, 0];
          return {
            ruleId: 'insecure-with-ca',
            severity: 'error',
            message:
              'metrics-server refuses to start with both --kubelet-insecure-tls and --kubelet-certificate-authority: remove --kubelet-insecure-tls.',
            range: textRange(ctx.lineCounter, start, end),
            fixes: [{ title: 'Remove --kubelet-insecure-tls', edits: [removeSeqItem(ctx.text, seq, index)] }],
          };
        }),
      );
  },
};
