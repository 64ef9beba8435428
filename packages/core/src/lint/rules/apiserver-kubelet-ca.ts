import { isMap, isScalar, isSeq, type Node, type YAMLMap } from 'yaml';
import { textRange } from '../source-text.ts';
import type { Rule, RuleContext, TextEdit } from '../types.ts';
import { addMapEntry, appendToSeqOrAdd } from '../yaml-edits.ts';

const ID = 'apiserver-kubelet-ca';
const ARG = 'kubelet-certificate-authority';
const CA = '/etc/kubernetes/pki/ca.crt';

/** The file also enables serverTLSBootstrap: kubelets will serve certificates the cluster CA signs. */
function kubeletsServeCaCerts(ctx: RuleContext): boolean {
  return ctx.docs.some(
    (d) => d.get('kind') === 'KubeletConfiguration' && d.get('serverTLSBootstrap') === true,
  );
}

/** kubeadm v1beta3 writes extraArgs as a map, v1beta4 as a list of {name, value}. */
function hasArg(extraArgs: unknown): boolean {
  if (isMap(extraArgs)) return extraArgs.has(ARG);
  if (isSeq(extraArgs)) return extraArgs.items.some((i) => isMap(i) && i.get('name') === ARG);
  return false;
}

function addArg(ctx: RuleContext, root: YAMLMap, v1beta4: boolean): TextEdit | undefined {
  const apiServer = root.get('apiServer', true);
  if (!isMap(apiServer))
    return addMapEntry(
      ctx.text,
      root,
      'apiServer',
      v1beta4 ? `{extraArgs: [{name: ${ARG}, value: ${CA}}]}` : `{extraArgs: {${ARG}: ${CA}}}`,
      ctx.eol,
    );
  const extra = apiServer.get('extraArgs', true);
  if (isMap(extra)) return addMapEntry(ctx.text, extra, ARG, CA, ctx.eol);
  if (isSeq(extra) || (extra === undefined && v1beta4))
    return appendToSeqOrAdd(ctx.text, apiServer, 'extraArgs', [`name: ${ARG}`, `value: ${CA}`], ctx.eol);
  return extra === undefined
    ? addMapEntry(ctx.text, apiServer, 'extraArgs', `{${ARG}: ${CA}}`, ctx.eol)
    : undefined;
}

/**
 * Once kubelets serve CA-signed certificates, the API server should verify them too (logs, exec,
 * port-forward): kube-apiserver --kubelet-certificate-authority, CIS Kubernetes Benchmark 1.2.5.
 */
export const apiserverKubeletCa: Rule = {
  id: ID,
  severity: 'info',
  summary:
    'kubeadm ClusterConfiguration whose kubelets serve CA-signed certificates, but the API server does not verify them.',
  check(ctx) {
    if (ctx.kind !== 'kubeadm-configuration' || ctx.doc.get('kind') !== 'ClusterConfiguration') return [];
    const root = ctx.doc.contents;
    if (!isMap(root) || !kubeletsServeCaCerts(ctx)) return [];
    if (hasArg(ctx.doc.getIn(['apiServer', 'extraArgs'], true))) return [];
    const v1beta4 = String(ctx.doc.get('apiVersion')).endsWith('/v1beta4');
    const kind = root.items.find((p) => isScalar(p.key) && p.key.value === 'kind')?.value as Node | undefined;
    const [start, end] = kind?.range ?? [0, 0];
    const edit = addArg(ctx, root, v1beta4);
    return [
      {
        ruleId: ID,
        severity: 'info',
        message: `The kubelets serve CA-signed certificates (serverTLSBootstrap: true), but the API server does not verify them for logs, exec and port-forward: set apiServer.extraArgs ${ARG}: ${CA} once their serving CSRs are approved.`,
        range: textRange(ctx.lineCounter, start, end),
        fixes: edit ? [{ title: `Verify kubelets from the API server (${ARG}=${CA})`, edits: [edit] }] : [],
      },
    ];
  },
};
