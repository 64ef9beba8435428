import { documentKind } from './document-kind.ts';
import { findingInFile, inFile, type ParseCache, parseFile } from './parsed-file.ts';
import { apiserverKubeletCa } from './rules/apiserver-kubelet-ca.ts';
import { apiserviceInsecure } from './rules/apiservice-insecure.ts';
import { apiserviceInsecureWithCaBundle } from './rules/apiservice-insecure-with-cabundle.ts';
import { cabundleInvalid } from './rules/cabundle-invalid.ts';
import { helmApiserviceInsecure } from './rules/helm-apiservice-insecure.ts';
import { helmInsecureKubeletTls } from './rules/helm-insecure-kubelet-tls.ts';
import { insecureKubeletTls } from './rules/insecure-kubelet-tls.ts';
import { insecureWithCa } from './rules/insecure-with-ca.ts';
import { kubeRootCaLookalike } from './rules/kube-root-ca-lookalike.ts';
import { kubeletCaMount } from './rules/kubelet-ca-mount.ts';
import { kubeletServingBootstrap } from './rules/kubelet-serving-bootstrap.ts';
import { kubesprayMetricsServerInsecure } from './rules/kubespray-metrics-server-insecure.ts';
import { kubesprayServingCertificates } from './rules/kubespray-serving-certificates.ts';
import { tlsCertKeyPair } from './rules/tls-cert-key-pair.ts';
import { detectEol, textRange } from './source-text.ts';
import { DEFAULT_LINT_OPTIONS, type Finding, type LintOptions, type Rule } from './types.ts';

export const RULES: readonly Rule[] = [
  insecureKubeletTls,
  insecureWithCa,
  apiserviceInsecure,
  apiserviceInsecureWithCaBundle,
  cabundleInvalid,
  kubeletServingBootstrap,
  kubeletCaMount,
  kubeRootCaLookalike,
  tlsCertKeyPair,
  helmInsecureKubeletTls,
  helmApiserviceInsecure,
  kubesprayServingCertificates,
  kubesprayMetricsServerInsecure,
  apiserverKubeletCa,
];

export const SYNTAX_RULE = 'yaml-syntax';

/**
 * Every id a user can name (--rule, --disable, the editor's kubectlCerts.rules setting, SARIF's
 * rule list): the rules, and the syntax check that is not one.
 */
export const RULE_DESCRIPTORS: readonly Pick<Rule, 'id' | 'severity' | 'summary'>[] = [
  ...RULES,
  { id: SYNTAX_RULE, severity: 'error', summary: 'The file is not valid YAML.' },
];

/**
 * Lints every document of a YAML file. A syntax error is one finding with its line and column
 * (nothing else is reported for that file); YAML that is not a known Kubernetes document gives
 * nothing. Never throws on input. An editor passes a `cache` per open file, so that linting again
 * after an edit re-parses only the documents that changed.
 */
export function lint(text: string, options: Partial<LintOptions> = {}, cache?: ParseCache): Finding[] {
  const opts = { ...DEFAULT_LINT_OPTIONS, ...options };
  const chunks = parseFile(text, cache);
  for (const c of chunks) {
    const e = c.docs.flatMap((d) => d.errors)[0];
    if (!e) continue;
    const at = Math.min(e.pos[0], c.text.length);
    const range = textRange(c.lineCounter, at, Math.min(Math.max(e.pos[1], at), c.text.length));
    return [
      {
        ruleId: SYNTAX_RULE,
        severity: 'error',
        message: `YAML syntax error: ${e.message.split('\n')[0]}`,
        range: inFile(range, c),
        fixes: [],
      },
    ];
  }
  const rules = RULES.filter(
    (r) => (!opts.rules || opts.rules.includes(r.id)) && !opts.disable?.includes(r.id),
  );
  const eol = detectEol(text);
  const docs = chunks.flatMap((c) => c.docs);
  return chunks.flatMap((c) =>
    c.docs.flatMap((doc) => {
      const ctx = {
        text: c.text,
        doc,
        docs,
        kind: documentKind(doc),
        lineCounter: c.lineCounter,
        options: opts,
        eol,
      };
      return rules.flatMap((r) => r.check(ctx)).map((f) => findingInFile(f, c));
    }),
  );
}
