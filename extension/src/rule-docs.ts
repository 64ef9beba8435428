import * as vscode from 'vscode';

/** Where the rule pages (docs/rules/<id>.md) are published; the one place that names the repository. */
export const RULE_DOCS_BASE_URL = 'https://github.com/kubectl-certs/kubectl-certs/blob/main/docs/rules';

/** A diagnostic code that shows the rule id and links to its page. */
export function ruleCode(ruleId: string): { value: string; target: vscode.Uri } {
  return { value: ruleId, target: vscode.Uri.parse(`${RULE_DOCS_BASE_URL}/${ruleId}.md`) };
}

/** The rule id of a diagnostic's code, whichever form it has. */
export function ruleIdOf(code: vscode.Diagnostic['code']): string | undefined {
  if (code === undefined) return undefined;
  return typeof code === 'object' ? String(code.value) : String(code);
}
