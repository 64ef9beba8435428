import * as vscode from 'vscode';
import { CaBundleCodeLens, SHOW_CA_BUNDLE, showCaBundle } from './ca-bundle-codelens.ts';
import { CaBundleHover } from './ca-bundle-hover.ts';
import { CodeActions } from './code-actions.ts';
import { Diagnostics } from './diagnostics.ts';
import { SELECTOR } from './documents.ts';
import { INSERT_CA_BUNDLE, insertCaBundle } from './insert-ca-bundle.ts';
import { SECTION } from './settings.ts';

/** What activate() returns: the extension's API, used by its integration tests and benchmark. */
export interface KubectlCertsApi {
  diagnostics: vscode.DiagnosticCollection;
  /** Milliseconds each lint took in this extension host, newest last. */
  lintTimes: readonly number[];
  /** performance.now() of the last publish, per document URI. */
  publishedAt: ReadonlyMap<string, number>;
}

const HOUR = 3_600_000;

/** Wires the providers to the editor's events; each provider lives in the file named after it. */
export function activate(context: vscode.ExtensionContext): KubectlCertsApi {
  const diagnostics = new Diagnostics();
  const lenses = new CaBundleCodeLens();
  const clock = setInterval(() => lenses.refresh(), HOUR);
  context.subscriptions.push(
    diagnostics,
    { dispose: () => clearInterval(clock) },
    vscode.workspace.onDidOpenTextDocument((d) => diagnostics.refresh(d)),
    vscode.workspace.onDidChangeTextDocument((e) => diagnostics.schedule(e.document)),
    vscode.workspace.onDidCloseTextDocument((d) => diagnostics.forget(d.uri)),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(SECTION)) diagnostics.refreshAll();
    }),
    vscode.languages.registerCodeActionsProvider(SELECTOR, new CodeActions(diagnostics), {
      providedCodeActionKinds: CodeActions.kinds,
    }),
    vscode.languages.registerHoverProvider(SELECTOR, new CaBundleHover()),
    vscode.languages.registerCodeLensProvider(SELECTOR, lenses),
    vscode.commands.registerCommand(INSERT_CA_BUNDLE, insertCaBundle),
    vscode.commands.registerCommand(SHOW_CA_BUNDLE, showCaBundle),
  );
  for (const doc of vscode.workspace.textDocuments) diagnostics.refresh(doc);
  return {
    diagnostics: diagnostics.collection,
    lintTimes: diagnostics.lintTimes,
    publishedAt: diagnostics.publishedAt,
  };
}

export function deactivate(): void {}
