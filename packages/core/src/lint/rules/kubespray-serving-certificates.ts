import { isMap, isScalar, type Node, type Scalar, type YAMLMap } from 'yaml';
import { textRange } from '../source-text.ts';
import type { Finding, Fix, Rule, RuleContext, Severity } from '../types.ts';
import { addMapEntryAfter, replaceScalar } from '../yaml-edits.ts';

const ID = 'kubespray-serving-certificates';
const ROTATE = 'kubelet_rotate_server_certificates';
const APPROVER = 'kubelet_csr_approver_enabled';

/** Ansible reads yes/no/on/off as booleans too; anything else (a Jinja expression) is unknown. */
export function ansibleBool(node: unknown): boolean | undefined {
  if (!isScalar(node)) return undefined;
  const v = node.value;
  if (typeof v === 'boolean') return v;
  if (typeof v !== 'string') return undefined;
  if (/^(yes|true|on)$/i.test(v)) return true;
  if (/^(no|false|off)$/i.test(v)) return false;
  return undefined;
}

function finding(ctx: RuleContext, node: Node, severity: Severity, message: string, fixes: Fix[]): Finding {
  const [start, end] = node.range ?? [0, 0];
  return { ruleId: ID, severity, message, range: textRange(ctx.lineCounter, start, end), fixes };
}

/**
 * Kubespray's switch for kubelet serving certificates (serverTLSBootstrap): it must be on, and it
 * goes together with kubelet-csr-approver (kubespray enables the approver with it by default).
 */
export const kubesprayServingCertificates: Rule = {
  id: ID,
  severity: 'warning',
  summary: `Kubespray variables with ${ROTATE}: false (or unset while kubelet-csr-approver is enabled): kubelets serve self-signed certificates.`,
  check(ctx) {
    if (ctx.kind !== 'kubespray-variables' || !isMap(ctx.doc.contents)) return [];
    const vars = ctx.doc.contents as YAMLMap;
    const rotateNode = vars.get(ROTATE, true);
    const approverNode = vars.get(APPROVER, true);
    const rotate = ansibleBool(rotateNode);
    const approver = ansibleBool(approverNode);
    if (rotate === false)
      return [
        finding(
          ctx,
          rotateNode as Scalar,
          'warning',
          `kubelets serve self-signed certificates that metrics-server cannot verify (${ROTATE}: false): set it to true; kubespray then turns on serverTLSBootstrap and deploys kubelet-csr-approver.`,
          [{ title: `Set ${ROTATE}: true`, edits: [replaceScalar(rotateNode as Scalar, 'true')] }],
        ),
      ];
    if (rotateNode === undefined && approver === true) {
      const add = addMapEntryAfter(ctx.text, vars, APPROVER, ROTATE, 'true', ctx.eol);
      return [
        finding(
          ctx,
          approverNode as Scalar,
          'warning',
          `kubelet-csr-approver is enabled but ${ROTATE} is unset (false): kubelets file no serving CSRs, so it has nothing to approve. Set ${ROTATE}: true.`,
          add ? [{ title: `Set ${ROTATE}: true`, edits: [add] }] : [],
        ),
      ];
    }
    if (rotate === true && approver === false)
      return [
        finding(
          ctx,
          approverNode as Scalar,
          'info',
          'kubelet-csr-approver is disabled: the kubelets’ serving CSRs stay Pending until someone approves them (kubectl certs approve-serving --all, or --watch).',
          [],
        ),
      ];
    return [];
  },
};
