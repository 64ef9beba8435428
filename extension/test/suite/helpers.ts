import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as vscode from 'vscode';
import type { TestFixtures } from '../workspace.ts';

export const EXTENSION_ID = 'kubectl-certs.kubectl-certs-vscode';

/** What the test workspace holds beyond its files (written by test/workspace.ts). */
export function fixtures(): TestFixtures {
  const file = vscode.workspace.workspaceFile;
  if (!file) throw new Error('the tests need the multi-root test workspace (test/workspace.ts) open');
  return JSON.parse(readFileSync(join(dirname(file.fsPath), 'fixtures.json'), 'utf8')) as TestFixtures;
}

/** A file of one folder of the test workspace, by the folder's name. */
export function fileIn(folder: string, ...path: string[]): vscode.Uri {
  const f = vscode.workspace.workspaceFolders?.find((w) => w.name === folder);
  if (!f) throw new Error(`no workspace folder named ${folder}`);
  return vscode.Uri.joinPath(f.uri, ...path);
}

/** Polls until fn() gives a truthy value: diagnostics and providers answer asynchronously. */
export async function waitFor<T>(
  fn: () => T | PromiseLike<T>,
  what: string,
  timeoutMs = 15_000,
): Promise<Exclude<T, false | 0 | '' | null | undefined>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as Exclude<T, false | 0 | '' | null | undefined>;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const ours = (uri: vscode.Uri) =>
  vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'kubectl-certs');

export const codeOf = (d: vscode.Diagnostic) =>
  typeof d.code === 'object' ? String(d.code.value) : String(d.code);

export async function open(uri: vscode.Uri): Promise<vscode.TextEditor> {
  const doc = await vscode.workspace.openTextDocument(uri);
  return vscode.window.showTextDocument(doc);
}

/** Opens a document and waits until kubectl-certs has published `count` diagnostics for it. */
export async function openLinted(uri: vscode.Uri, count: number): Promise<vscode.TextEditor> {
  const editor = await open(uri);
  await waitFor(
    () => ours(uri).length === count,
    `${count} diagnostics on ${vscode.workspace.asRelativePath(uri)} (have ${ours(uri).length})`,
  );
  return editor;
}

/** The code actions the editor offers at a range (polled: the first request may come before the markers). */
export async function codeActions(
  uri: vscode.Uri,
  range: vscode.Range,
  kind: vscode.CodeActionKind,
  expect: (actions: vscode.CodeAction[]) => boolean = (a) => a.length > 0,
): Promise<vscode.CodeAction[]> {
  let last: vscode.CodeAction[] = [];
  try {
    return await waitFor(
      async () => {
        last = await vscode.commands.executeCommand<vscode.CodeAction[]>(
          'vscode.executeCodeActionProvider',
          uri,
          range,
          kind.value,
        );
        return expect(last) && last;
      },
      `code actions of kind ${kind.value}`,
      5_000,
    );
  } catch {
    throw new Error(`code actions not as expected; got: ${last.map((a) => a.title).join(' | ') || 'none'}`);
  }
}

/** Runs `change` and waits until kubectl-certs has published diagnostics for the changed text. */
export async function relinted(uri: vscode.Uri, change: () => Promise<unknown>): Promise<void> {
  let published = false;
  const sub = vscode.languages.onDidChangeDiagnostics((e) => {
    if (e.uris.some((u) => u.toString() === uri.toString())) published = true;
  });
  try {
    await change();
    await waitFor(() => published, `diagnostics after the change to ${vscode.workspace.asRelativePath(uri)}`);
  } finally {
    sub.dispose();
  }
}

/**
 * Comment text of every line, in order: fixes must keep all of them (a replaced value's comment
 * counts without the "was <old value>:" mark the fix adds to it).
 */
export const comments = (text: string) =>
  text
    .split(/\r?\n/)
    .flatMap((l) => l.match(/(^|\s)#.*$/)?.[0].trim() ?? [])
    .map((c) => c.replace(/^# was .*?: /, '# '));

/**
 * Puts every edited file of the test workspace back to its text on disk, so each test starts from
 * the files as made. Not by closing editors: with unsaved changes that asks "Save changes?", which
 * the workbench answers itself in test mode (by saving), and the file on disk would change.
 */
export async function restoreFiles(): Promise<void> {
  for (const doc of vscode.workspace.textDocuments) {
    if (!doc.isDirty || doc.uri.scheme !== 'file' || !vscode.workspace.getWorkspaceFolder(doc.uri)) continue;
    const edit = new vscode.WorkspaceEdit();
    edit.replace(doc.uri, new vscode.Range(0, 0, doc.lineCount, 0), readFileSync(doc.uri.fsPath, 'utf8'));
    await vscode.workspace.applyEdit(edit);
    await doc.save();
  }
}
