import { isMap, isScalar, type Node, type Scalar, type YAMLMap } from 'yaml';
import { textRange } from '../source-text.ts';
import type { Fix, Rule, RuleContext, TextEdit } from '../types.ts';
import { addMapEntryAfter, replaceScalar } from '../yaml-edits.ts';
import { ansibleBool } from './kubespray-serving-certificates.ts';

const ID = 'kubespray-metrics-server-insecure';
const ENABLED = 'metrics_server_enabled';
const INSECURE = 'metrics_server_kubelet_insecure_tls';
const ROTATE = 'kubelet_rotate_server_certificates';
const APPROVER = 'kubelet_csr_approver_enabled';

/** The last top-level variable whose name starts with `prefix` (where a new one of its kind goes). */
function lastWithPrefix(vars: YAMLMap, prefix: string): string | undefined {
  const keys = vars.items.flatMap((p) => (isScalar(p.key) ? [String(p.key.value)] : []));
  return keys.filter((k) => k.startsWith(prefix)).at(-1);
}

/**
 * The fix, or why there is none. Turning verification on is only safe once kubelets serve
 * CA-signed certificates, so the fix also sets kubelet_rotate_server_certificates: true; it
 * refuses when this file leaves the kubelets' serving CSRs unapproved or the variable unknowable.
 */
function verifyKubelets(ctx: RuleContext, vars: YAMLMap): { fix: Fix } | { refused: string } {
  const rotateNode = vars.get(ROTATE, true);
  const rotate = ansibleBool(rotateNode);
  if (rotateNode !== undefined && rotate === undefined)
    return {
      refused: `${ROTATE} is an expression: set ${INSECURE}: false by hand once it is true (kubelets then serve CA-signed certificates).`,
    };
  if (ansibleBool(vars.get(APPROVER, true)) === false)
    return {
      refused: `${APPROVER} is false, so the kubelets' serving CSRs stay Pending and metrics-server could not verify them: approve them first (kubectl certs approve-serving --watch), then set ${INSECURE}: false.`,
    };
  const insecureNode = vars.get(INSECURE, true);
  const metricsAnchor = lastWithPrefix(vars, 'metrics_server_') ?? ENABLED;
  const setInsecure = isScalar(insecureNode)
    ? replaceScalar(insecureNode, 'false')
    : addMapEntryAfter(ctx.text, vars, metricsAnchor, INSECURE, 'false', ctx.eol);
  const setRotate =
    rotate === true
      ? null
      : isScalar(rotateNode)
        ? replaceScalar(rotateNode, 'true')
        : addMapEntryAfter(
            ctx.text,
            vars,
            lastWithPrefix(vars, 'kubelet_') ?? metricsAnchor,
            ROTATE,
            'true',
            ctx.eol,
          );
  if (!setInsecure || setRotate === undefined)
    return { refused: 'the variables are in flow style: edit them by hand.' };
  const edits: TextEdit[] = setRotate ? [setInsecure, setRotate] : [setInsecure];
  const title = setRotate
    ? `Set ${ROTATE}: true (kubelets serve CA-signed certificates) and ${INSECURE}: false`
    : `Set ${INSECURE}: false (${ROTATE} is true)`;
  return { fix: { title, edits } };
}

/**
 * Kubespray deploys metrics-server with --kubelet-insecure-tls unless told otherwise: its default
 * for metrics_server_kubelet_insecure_tls is true.
 */
export const kubesprayMetricsServerInsecure: Rule = {
  id: ID,
  severity: 'warning',
  summary: `Kubespray deploys metrics-server with ${INSECURE} true (its default): metrics-server does not verify kubelets.`,
  check(ctx) {
    if (ctx.kind !== 'kubespray-variables' || !isMap(ctx.doc.contents)) return [];
    const vars = ctx.doc.contents as YAMLMap;
    const enabledNode = vars.get(ENABLED, true);
    const insecureNode = vars.get(INSECURE, true);
    if (ansibleBool(enabledNode) !== true) return [];
    const insecure = insecureNode === undefined ? true : ansibleBool(insecureNode);
    if (insecure !== true) return [];
    const explicit = isScalar(insecureNode);
    const at = (explicit ? insecureNode : enabledNode) as Scalar | Node;
    const [start, end] = at.range ?? [0, 0];
    const verify = verifyKubelets(ctx, vars);
    const why = 'refused' in verify ? ` No fix: ${verify.refused}` : '';
    return [
      {
        ruleId: ID,
        severity: 'warning',
        message: `metrics-server will not verify kubelet certificates (${INSECURE} ${explicit ? 'is true' : 'defaults to true'}). Set ${ROTATE}: true so kubelets serve CA-signed certificates, then ${INSECURE}: false.${why}`,
        range: textRange(ctx.lineCounter, start, end),
        fixes: 'fix' in verify ? [verify.fix] : [],
      },
    ];
  },
};
