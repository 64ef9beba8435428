import * as vscode from 'vscode';

/** What activate() returns: the extension's API, used by its integration tests. */
export interface KubectlCertsApi {
  diagnostics: vscode.DiagnosticCollection;
}

/**
 * Skeleton: activates on YAML and owns the diagnostic collection the lint rules (from
 * @kubectl-certs/core) will publish into. Diagnostics and quick fixes come with the lint issue.
 */
export function activate(context: vscode.ExtensionContext): KubectlCertsApi {
  const diagnostics = vscode.languages.createDiagnosticCollection('kubectl-certs');
  context.subscriptions.push(diagnostics);
  return { diagnostics };
}

export function deactivate(): void {}
