import { isMap, isScalar, isSeq, type Node, type YAMLMap } from 'yaml';
import { flagUses } from '../container-flags.ts';
import { kubeApiserverContainer } from '../kube-apiserver-pod.ts';
import { textRange } from '../source-text.ts';
import type { Finding, Fix, Rule, RuleContext, TextEdit } from '../types.ts';
import { addMapEntry, appendToSeqOrAdd } from '../yaml-edits.ts';

const ID = 'apiserver-kubelet-ca';
const ARG = 'kubelet-certificate-authority';
/** The cluster CA as kubeadm lays it out; it signs the kubelets' approved serving certificates. */
const CA = '/etc/kubernetes/pki/ca.crt';
const WHY =
  'the API server does not verify the kubelets it connects to for logs, exec, attach and port-forward';
const BREAKS =
  'cluster-wide: kubectl logs and exec then fail on every kubelet that still serves a self-signed certificate';

function fix(ca: string, edit: TextEdit | undefined): Fix[] {
  return edit
    ? [
        {
          title: `Verify kubelets from the API server (${ARG}=${ca}); ${BREAKS}`,
          edits: [edit],
          clusterWide: true,
        },
      ]
    : [];
}

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

/** A kubeadm ClusterConfiguration, in a file whose kubelets serve CA-signed certificates. */
function clusterConfiguration(ctx: RuleContext): Finding[] {
  if (ctx.doc.get('kind') !== 'ClusterConfiguration') return [];
  const root = ctx.doc.contents;
  if (!isMap(root) || !kubeletsServeCaCerts(ctx)) return [];
  if (hasArg(ctx.doc.getIn(['apiServer', 'extraArgs'], true))) return [];
  const v1beta4 = String(ctx.doc.get('apiVersion')).endsWith('/v1beta4');
  const kind = root.items.find((p) => isScalar(p.key) && p.key.value === 'kind')?.value as Node | undefined;
  const [start, end] = kind?.range ?? [0, 0];
  return [
    {
      ruleId: ID,
      severity: 'info',
      message: `The kubelets serve CA-signed certificates (serverTLSBootstrap: true), but ${WHY}: set apiServer.extraArgs ${ARG}: ${CA} once their serving CSRs are approved.`,
      range: textRange(ctx.lineCounter, start, end),
      fixes: fix(CA, addArg(ctx, root, v1beta4)),
    },
  ];
}

/**
 * A kube-apiserver static Pod without the flag. The fix appends it to the list that holds the
 * other flags (kubeadm: command), naming the CA kube-apiserver already trusts for clients.
 */
function staticPod(ctx: RuleContext): Finding[] {
  const container = kubeApiserverContainer(ctx.doc);
  if (!container || flagUses(container, ARG).length > 0) return [];
  const ca = flagUses(container, 'client-ca-file')[0]?.value ?? CA;
  const key = ['command', 'args'].find((k) => {
    const seq = container.get(k, true);
    return isSeq(seq) && seq.items.some((i) => isScalar(i) && String(i.value).startsWith('--'));
  });
  const edit = key ? appendToSeqOrAdd(ctx.text, container, key, [`--${ARG}=${ca}`], ctx.eol) : undefined;
  const name = container.get('name', true);
  const [start, end] = (isScalar(name) ? name : container).range ?? [0, 0];
  return [
    {
      ruleId: ID,
      severity: 'info',
      message: `kube-apiserver runs without --${ARG}: ${WHY}. Add --${ARG}=${ca} once every kubelet serves a certificate signed by the cluster CA (kubectl certs inspect-kubelet --all; kubectl certs approve-serving).`,
      range: textRange(ctx.lineCounter, start, end),
      fixes: fix(ca, edit),
    },
  ];
}

/**
 * Once kubelets serve CA-signed certificates, the API server should verify them too (logs, exec,
 * port-forward): kube-apiserver --kubelet-certificate-authority, CIS Kubernetes Benchmark 1.2.5.
 * Its fix is cluster-wide: never applied by a plain fix-all.
 */
export const apiserverKubeletCa: Rule = {
  id: ID,
  severity: 'info',
  summary:
    'kube-apiserver (a static Pod, or a kubeadm ClusterConfiguration whose kubelets serve CA-signed certificates) does not verify the kubelets.',
  check(ctx) {
    if (ctx.kind === 'kubeadm-configuration') return clusterConfiguration(ctx);
    if (ctx.kind === 'kube-apiserver-pod') return staticPod(ctx);
    return [];
  },
};
