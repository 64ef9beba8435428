import { caExpiry, setCaBundle } from '@kubectl-certs/core';
import * as vscode from 'vscode';
import { isLintable, workspaceEdit } from './documents.ts';

export const INSERT_CA_BUNDLE = 'kubectl-certs.insertCaBundle';

export type InsertResult = { ok: true; message: string } | { ok: false; message: string };

/**
 * "kubectl certs: Insert caBundle from PEM file…": reads a CA file (PEM or DER), checks it with
 * core's x509 reader, and writes its base64 as the caBundle of the APIService in the active
 * editor. Bad input ends in one clear message, never a stack trace. `file` lets a test (or a
 * keybinding) skip the file dialog; the result says what happened.
 */
export async function insertCaBundle(file?: vscode.Uri): Promise<InsertResult> {
  try {
    return await insert(file);
  } catch (e) {
    // Whatever went wrong, the user reads one sentence, not a stack trace.
    return fail((e as Error).message);
  }
}

async function insert(file?: vscode.Uri): Promise<InsertResult> {
  const editor = vscode.window.activeTextEditor;
  if (!editor || !isLintable(editor.document))
    return fail('open the APIService manifest (YAML) first, then run this command');
  const chosen = file ?? (await pickFile());
  if (!chosen) return { ok: false, message: 'no file chosen' };
  const name = vscode.workspace.asRelativePath(chosen);
  let bytes: Uint8Array;
  try {
    bytes = await vscode.workspace.fs.readFile(chosen);
  } catch (e) {
    return fail(`cannot read ${name}: ${(e as Error).message}`);
  }
  const doc = editor.document;
  const r = setCaBundle(doc.getText(), bytes, new Date(), doc.offsetAt(editor.selection.active));
  if (!r.ok) return fail(`${name}: ${r.reason}`);
  if (!(await vscode.workspace.applyEdit(workspaceEdit(doc, r.edits))))
    return fail('the editor refused the edit (is the file read-only?)');
  const n = r.certificates.length;
  const message = `caBundle set from ${name}: ${n} certificate${n === 1 ? '' : 's'}, ${caExpiry(r.certificates, new Date())?.label}.`;
  void vscode.window.showInformationMessage(message);
  return { ok: true, message };
}

async function pickFile(): Promise<vscode.Uri | undefined> {
  const picked = await vscode.window.showOpenDialog({
    title: 'CA certificate for the caBundle',
    canSelectMany: false,
    filters: { 'CA certificates': ['pem', 'crt', 'cer', 'der'], 'All files': ['*'] },
  });
  return picked?.[0];
}

function fail(reason: string): InsertResult {
  const message = `Cannot insert the caBundle: ${reason}`;
  void vscode.window.showErrorMessage(message);
  return { ok: false, message };
}
