import { isMap, isScalar, type Scalar, type YAMLMap } from 'yaml';
import { textRange } from '../source-text.ts';
import type { Rule } from '../types.ts';
import { addMapEntry, replaceScalar } from '../yaml-edits.ts';
import { ansibleBool } from './kubespray-serving-certificates.ts';

const ID = 'kubespray-metrics-server-insecure';
const ENABLED = 'metrics_server_enabled';
const INSECURE = 'metrics_server_kubelet_insecure_tls';

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
    const edit = explicit
      ? replaceScalar(insecureNode as Scalar, 'false')
      : addMapEntry(ctx.text, vars, INSECURE, 'false', ctx.eol);
    const at = (explicit ? insecureNode : enabledNode) as Scalar;
    const [start, end] = at.range ?? [0, 0];
    return [
      {
        ruleId: ID,
        severity: 'warning',
        message: `metrics-server will not verify kubelet certificates (${INSECURE} ${explicit ? 'is true' : 'defaults to true'}). Set kubelet_rotate_server_certificates: true so kubelets serve CA-signed certificates, then ${INSECURE}: false.`,
        range: textRange(ctx.lineCounter, start, end),
        fixes: edit
          ? [
              {
                title: `Set ${INSECURE}: false (needs kubelet_rotate_server_certificates: true)`,
                edits: [edit],
              },
            ]
          : [],
      },
    ];
  },
};
