import { Document } from 'yaml';
import { documentKind } from './document-kind.ts';
import { embeddedDocuments } from './embedded-documents.ts';
import { findingInOuter, parseEmbedded } from './embedded-yaml.ts';
import { withListItems } from './list-items.ts';
import { findingInFile, inFile, type ParseCache, parseFile } from './parsed-file.ts';
import { apiserverKubeletCa } from './rules/apiserver-kubelet-ca.ts';
import { apiserviceInsecure } from './rules/apiservice-insecure.ts';
import { apiserviceInsecureWithCaBundle } from './rules/apiservice-insecure-with-cabundle.ts';
import { cabundleInvalid } from './rules/cabundle-invalid.ts';
import { helmApiserviceInsecure } from './rules/helm-apiservice-insecure.ts';
import { helmInsecureKubeletTls } from './rules/helm-insecure-kubelet-tls.ts';
import { insecureKubeletTls } from './rules/insecure-kubelet-tls.ts';
import { insecureWithCa } from './rules/insecure-with-ca.ts';
import { jsonPatchInsecureKubeletTls } from './rules/json-patch-insecure-kubelet-tls.ts';
import { kubeRootCaLookalike } from './rules/kube-root-ca-lookalike.ts';
import { kubeletCaMount } from './rules/kubelet-ca-mount.ts';
import { kubeletServingBootstrap } from './rules/kubelet-serving-bootstrap.ts';
import { kubesprayMetricsServerInsecure } from './rules/kubespray-metrics-server-insecure.ts';
import { kubesprayServingCertificates } from './rules/kubespray-serving-certificates.ts';
import { templateFile } from './rules/template-file.ts';
import { tlsCertKeyPair } from './rules/tls-cert-key-pair.ts';
import { detectEol, lineCounterOf, textRange } from './source-text.ts';
import { isTemplateFile } from './templates.ts';
import {
  DEFAULT_LINT_OPTIONS,
  type Finding,
  type LintOptions,
  type Rule,
  type RuleContext,
} from './types.ts';
import { removeSeqItem } from './yaml-edits.ts';

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
  jsonPatchInsecureKubeletTls,
  templateFile,
];

export const SYNTAX_RULE = 'yaml-syntax';

/**
 * Rules whose findings are about the file rather than its settings (not YAML, a template): they
 * never count towards a failing exit status (a syntax error has an exit status of its own).
 */
export const NOTICE_RULES: readonly string[] = [SYNTAX_RULE, templateFile.id];

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
 * nothing; a Helm or Jinja template gives one notice (never a syntax error). The items of a list object (`kubectl get -o yaml`) are linted as documents. Never throws on input. An editor passes a `cache` per open file, so that linting again
 * after an edit re-parses only the documents that changed.
 */
export function lint(text: string, options: Partial<LintOptions> = {}, cache?: ParseCache): Finding[] {
  const opts = { ...DEFAULT_LINT_OPTIONS, ...options };
  const chunks = parseFile(text, cache);
  const rules = RULES.filter(
    (r) => (!opts.rules || opts.rules.includes(r.id)) && !opts.disable?.includes(r.id),
  );
  if (isTemplateFile(text, chunks, opts.path)) return lintTemplate(text, rules, opts);
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
  const eol = detectEol(text);
  const perChunk = chunks.map((c) => ({ c, chunkDocs: c.docs.flatMap(withListItems) }));
  const docs = perChunk.flatMap((p) => p.chunkDocs);
  return perChunk.flatMap(({ c, chunkDocs }) =>
    chunkDocs.flatMap((doc) => {
      const ctx = {
        text: c.text,
        doc,
        docs,
        kind: documentKind(doc),
        lineCounter: c.lineCounter,
        options: opts,
        eol,
      };
      const own = rules.flatMap((r) => r.check(ctx));
      return [...own, ...lintEmbedded(ctx, rules)].map((f) => findingInFile(f, c));
    }),
  );
}

/**
 * The YAML documents a document holds as strings (Argo CD helm.values, kustomize inline patches),
 * linted on their own text; their findings are moved back into the outer text.
 */
function lintEmbedded(outer: RuleContext, rules: readonly Rule[]): Finding[] {
  return embeddedDocuments(outer.doc).flatMap((source) => {
    const inner = parseEmbedded(outer.text, source.node);
    if (!inner) return [];
    const removeEmbedding = source.entry && [removeSeqItem(outer.text, source.entry.seq, source.entry.index)];
    return inner.docs.flatMap((doc) => {
      const ctx: RuleContext = {
        text: inner.text,
        doc,
        docs: inner.docs,
        kind: source.kind ?? documentKind(doc),
        lineCounter: inner.lineCounter,
        options: outer.options,
        eol: '\n',
        partial: source.partial,
        removeEmbedding,
      };
      return rules
        .flatMap((r) => r.check(ctx))
        .map((f) => findingInOuter(f, inner, outer.lineCounter, outer.eol, removeEmbedding));
    });
  });
}

/** A template's text is not its documents: the rules see the whole file as one "template". */
function lintTemplate(text: string, rules: readonly Rule[], options: LintOptions): Finding[] {
  const ctx = {
    text,
    doc: new Document() as unknown as Document.Parsed,
    docs: [],
    kind: 'template' as const,
    lineCounter: lineCounterOf(text),
    options,
    eol: detectEol(text),
  };
  return rules.flatMap((r) => r.check(ctx));
}
