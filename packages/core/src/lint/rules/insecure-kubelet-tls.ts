import { isMap, isScalar, isSeq, type Scalar, type YAMLMap, type YAMLSeq } from 'yaml';
import { mountClusterCa, mountedClusterCa } from '../cluster-ca-mount.ts';
import { flagUses } from '../container-flags.ts';
import { containers, isMetricsServerContainer, podSpecPath } from '../document-kind.ts';
import { textRange } from '../source-text.ts';
import type { Finding, Fix, Rule, RuleContext } from '../types.ts';
import { removeSeqItem, replaceScalar } from '../yaml-edits.ts';

export const INSECURE_FLAG = /^--kubelet-insecure-tls(=(true|1|t|TRUE|True))?$/;

/**
 * The items of the lists at `keys` (a container's args/command, a chart's args/defaultArgs) that
 * switch off kubelet certificate verification.
 */
export function insecureFlags(
  map: YAMLMap,
  keys: readonly string[] = ['args', 'command'],
): { seq: YAMLSeq; index: number; node: Scalar }[] {
  return keys.flatMap((key) => {
    const seq = map.get(key, true);
    if (!isSeq(seq)) return [];
    return seq.items.flatMap((node, index) =>
      isScalar(node) && typeof node.value === 'string' && INSECURE_FLAG.test(node.value)
        ? [{ seq, index, node }]
        : [],
    );
  });
}

/** The container already names a CA for the kubelets (--kubelet-certificate-authority). */
export function hasCaFlag(c: YAMLMap): boolean {
  return flagUses(c, 'kubelet-certificate-authority').length > 0;
}

export const insecureKubeletTls: Rule = {
  id: 'insecure-kubelet-tls',
  liveCluster: 'apply',
  severity: 'warning',
  summary: 'metrics-server runs with --kubelet-insecure-tls: it does not verify the kubelets it scrapes.',
  check(ctx) {
    if (ctx.kind !== 'metrics-server-workload') return [];
    const podSpec = ctx.doc.getIn(podSpecPath(ctx.doc), true);
    return containers(ctx.doc)
      .filter((c) => isMetricsServerContainer(c.node))
      .flatMap((c) =>
        insecureFlags(c.node).map(({ seq, index, node }): Finding => {
          const [start, end] = node.range ?? [0, 0];
          const fixes: Fix[] = [];
          // With a CA flag already there, replacing this one would duplicate it: only removal makes sense.
          const useCa =
            isMap(podSpec) && !hasCaFlag(c.node) ? useClusterCa(ctx, podSpec, c.node, node) : undefined;
          if (useCa) fixes.push(useCa);
          fixes.push({
            title:
              'Remove --kubelet-insecure-tls (metrics-server then verifies kubelets with the in-cluster CA)',
            edits: [removeSeqItem(ctx.text, seq, index)],
          });
          return {
            ruleId: 'insecure-kubelet-tls',
            severity: 'warning',
            message:
              'metrics-server does not verify kubelet certificates (--kubelet-insecure-tls). Verify them with the cluster CA instead; the kubelets must first serve CA-signed certificates (kubectl certs inspect-kubelet, kubectl certs approve-serving).',
            range: textRange(ctx.lineCounter, start, end),
            fixes,
          };
        }),
      );
  },
};

/**
 * Fix (a): replace the flag with --kubelet-certificate-authority=<mount>/ca.crt and mount the
 * kube-root-ca.crt ConfigMap (only its ca.crt) there; or, when the container already mounts a
 * volume of that ConfigMap, point the flag at it and mount nothing.
 */
function useClusterCa(ctx: RuleContext, podSpec: YAMLMap, container: YAMLMap, flag: Scalar): Fix | undefined {
  const mounted = mountedClusterCa(podSpec, container);
  if (mounted)
    return {
      title: `Verify kubelets with the cluster CA already mounted at ${mounted} (--kubelet-certificate-authority)`,
      edits: [replaceScalar(flag, `--kubelet-certificate-authority=${mounted}`)],
    };
  const mount = ctx.options.kubeletCaMountPath.replace(/\/+$/, '');
  const edits = mountClusterCa(ctx, podSpec, container, mount);
  return (
    edits && {
      title:
        'Verify kubelets with the cluster CA (mount kube-root-ca.crt, use --kubelet-certificate-authority)',
      edits: [replaceScalar(flag, `--kubelet-certificate-authority=${mount}/ca.crt`), ...edits],
    }
  );
}
