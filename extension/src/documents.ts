import type { TextEdit } from '@kubectl-certs/core';
import * as vscode from 'vscode';

/**
 * The documents the extension reads: YAML in files and unsaved editors. Helm values files are YAML
 * (values.yaml keeps the yaml language; chart templates are "helm" and are not YAML until rendered).
 */
export const SELECTOR: vscode.DocumentSelector = [
  { language: 'yaml', scheme: 'file' },
  { language: 'yaml', scheme: 'untitled' },
];

export function isLintable(doc: vscode.TextDocument): boolean {
  return vscode.languages.match(SELECTOR, doc) > 0;
}

export function rangeOf(doc: vscode.TextDocument, start: number, end: number): vscode.Range {
  return new vscode.Range(doc.positionAt(start), doc.positionAt(end));
}

/** Core's offset edits as one workspace edit on the document they were computed for. */
export function workspaceEdit(doc: vscode.TextDocument, edits: readonly TextEdit[]): vscode.WorkspaceEdit {
  const we = new vscode.WorkspaceEdit();
  for (const e of edits) we.replace(doc.uri, rangeOf(doc, e.offset, e.offset + e.length), e.text);
  return we;
}
