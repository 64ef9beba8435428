import { isScalar, isSeq, type Node, type Scalar, type YAMLSeq } from 'yaml';
import { CONTAINER_ARGS_PATH, jsonPatchOperations } from '../json-patch.ts';
import { textRange } from '../source-text.ts';
import type { Finding, Fix, Rule, RuleContext } from '../types.ts';
import { removeSeqItem } from '../yaml-edits.ts';
import { INSECURE_FLAG } from './insecure-kubelet-tls.ts';

const ID = 'json-patch-insecure-kubelet-tls';
const MESSAGE =
  "This JSON patch adds --kubelet-insecure-tls to a container's arguments: metrics-server then does not verify kubelet certificates. Drop it once the kubelets serve CA-signed certificates (kubectl certs inspect-kubelet, kubectl certs approve-serving): metrics-server then verifies them with the in-cluster CA.";

const isFlag = (n: unknown): n is Scalar =>
  isScalar(n) && typeof n.value === 'string' && INSECURE_FLAG.test(n.value);

function finding(ctx: RuleContext, node: Node, message: string, fixes: Fix[]): Finding {
  const [start, end] = node.range ?? [0, 0];
  return { ruleId: ID, severity: 'warning', message, range: textRange(ctx.lineCounter, start, end), fixes };
}

/**
 * JSON patch operations (kustomize patches, patchesJson6902, `kubectl patch --type=json`) that add
 * --kubelet-insecure-tls to a container: `value` is the flag, or a list holding it.
 */
export const jsonPatchInsecureKubeletTls: Rule = {
  id: ID,
  liveCluster: 'apply',
  severity: 'warning',
  summary:
    'A JSON patch (kustomize, kubectl patch --type=json) adds --kubelet-insecure-tls to metrics-server.',
  check(ctx) {
    const ops = ctx.kind === 'json-patch' ? jsonPatchOperations(ctx.doc) : undefined;
    const root = ctx.doc.contents as YAMLSeq;
    if (!ops) return [];
    return ops.flatMap((op, index): Finding[] => {
      const path = op.get('path');
      if (!['add', 'replace'].includes(String(op.get('op'))) || typeof path !== 'string') return [];
      if (!CONTAINER_ARGS_PATH.test(path)) return [];
      const value: unknown = op.get('value', true);
      if (isFlag(value)) {
        if (ops.length > 1)
          return [
            finding(ctx, value, MESSAGE, [
              {
                title:
                  'Remove this patch operation (metrics-server then verifies kubelets with the in-cluster CA)',
                edits: [removeSeqItem(ctx.text, root, index)],
              },
            ]),
          ];
        // The only operation: removing it leaves an empty patch, which kustomize refuses; the
        // kustomization's entry for this patch can go instead, when the patch is inline.
        const fixes: Fix[] = ctx.removeEmbedding
          ? [
              {
                title:
                  'Remove this patch from the kustomization: it only adds --kubelet-insecure-tls (metrics-server then verifies kubelets with the in-cluster CA)',
                edits: ctx.removeEmbedding,
              },
            ]
          : [];
        return [
          finding(ctx, value, `${MESSAGE} This operation is the whole patch: remove the patch.`, fixes),
        ];
      }
      if (!isSeq(value)) return [];
      return value.items.flatMap((item, i) =>
        isFlag(item)
          ? [
              finding(ctx, item, MESSAGE, [
                {
                  title:
                    'Remove --kubelet-insecure-tls (metrics-server then verifies kubelets with the in-cluster CA)',
                  edits: [removeSeqItem(ctx.text, value, i)],
                },
              ]),
            ]
          : [],
      );
    });
  },
};
