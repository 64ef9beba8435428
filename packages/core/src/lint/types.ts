import type { Document, LineCounter } from 'yaml';

export type Severity = 'error' | 'warning' | 'info';

/** Replace `length` characters at `offset` of the original text with `text`. */
export interface TextEdit {
  offset: number;
  length: number;
  text: string;
}

export interface Fix {
  title: string;
  edits: TextEdit[];
  /**
   * The fix changes how the whole cluster behaves, beyond the file's own component (kube-apiserver
   * starts verifying every kubelet: logs and exec break on each one still self-signed). Its title
   * says so; fix-all (`--fix`, `--diff`, the editor's fix-all) leaves it unless asked for
   * cluster-wide fixes (`--fix-cluster-wide`); the editor offers it as a quick fix, never preferred.
   */
  clusterWide?: true;
}

/** Offsets into the text, and 1-based line/column like compilers print them. */
export interface TextRange {
  start: number;
  end: number;
  startLine: number;
  startColumn: number;
  endLine: number;
  endColumn: number;
}

export interface Finding {
  ruleId: string;
  severity: Severity;
  message: string;
  range: TextRange;
  /** The first fix is the preferred one. */
  fixes: Fix[];
}

export type DocumentKind =
  | 'metrics-server-workload'
  | 'workload'
  | 'apiservice'
  | 'kubelet-configuration'
  | 'kubeadm-configuration'
  /** A JSON patch (RFC 6902): a list of operations (kustomize, kubectl patch --type=json). */
  | 'json-patch'
  /** A kube-apiserver static Pod (/etc/kubernetes/manifests/kube-apiserver.yaml). */
  | 'kube-apiserver-pod'
  | 'metrics-server-helm-values'
  | 'kubespray-variables'
  /** A whole file of Helm or Jinja template text (lint gives it to the rules in place of its documents). */
  | 'template'
  | 'unknown';

export interface LintOptions {
  /** Where fixes mount the cluster CA (the kube-root-ca.crt ConfigMap) in metrics-server. */
  kubeletCaMountPath: string;
  /** Rule ids to run (default: all). */
  rules?: string[] | undefined;
  disable?: string[] | undefined;
  /**
   * PEM of the CA that signed metrics-server's serving certificate, when the user names it: the
   * APIService fix then puts it in spec.caBundle and turns verification on.
   */
  apiserviceCaPem?: string | undefined;
  /** The clock for expiry rules (injected; the shells pass the real time). */
  now?: Date | undefined;
  /**
   * The file's path, when it has one: a file under a Helm chart's templates/ folder is a template
   * even where its markup happens to parse as YAML.
   */
  path?: string | undefined;
}

export const DEFAULT_LINT_OPTIONS: LintOptions = { kubeletCaMountPath: '/etc/kubernetes/kubelet-ca' };

/** What a rule sees: one parsed document of the file and helpers over its text. */
export interface RuleContext {
  /**
   * The text the document's ranges and the line counter refer to: the stretch of the file from
   * its document marker to the next (lint moves findings and edits back into the whole file).
   */
  text: string;
  doc: Document.Parsed;
  /** Every document of the file (a rule may look at the others, e.g. for cert-manager). */
  docs: Document.Parsed[];
  kind: DocumentKind;
  lineCounter: LineCounter;
  options: LintOptions;
  /** "\r\n" when the file uses CRLF line endings, so inserted lines match. */
  eol: string;
  /**
   * The document is a strategic-merge patch (a kustomize inline patch): only the part of an object
   * it changes, so what it lacks (a volume, a mount) may be in the object it patches.
   */
  partial?: boolean;
  /**
   * For a document embedded in a string (a kustomization's inline patch): the edits, in the outer
   * text, that remove the entry holding it. A fix made of exactly these edits is kept as it is.
   */
  removeEmbedding?: TextEdit[] | undefined;
}

export interface Rule {
  id: string;
  severity: Severity;
  /** One sentence for rule lists and SARIF. */
  summary: string;
  /**
   * What `kubectl certs secure metrics-server` does on a live cluster for what this rule finds in
   * files: the plan and `--apply`, or `--print-values` for Helm chart values. `lint` points to it.
   */
  liveCluster?: 'apply' | 'print-values';
  check(ctx: RuleContext): Finding[];
}
