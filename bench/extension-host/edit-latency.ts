// Runs inside the editor's extension host (bundled by bench/extension-lint.ts): opens the large
// manifest, then edits it again and again, timing each edit until the extension has published
// the diagnostics of the new text, with the extension's own lint timings beside them.
import { writeFileSync } from 'node:fs';
import * as vscode from 'vscode';

interface Api {
  lintTimes: readonly number[];
  publishedAt: ReadonlyMap<string, number>;
}

const WARMUP = 3;

async function until(ready: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 30_000;
  while (!ready()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

export async function run(): Promise<void> {
  const file = process.env.KUBECTL_CERTS_BENCH_FILE ?? '';
  const edits = Number(process.env.KUBECTL_CERTS_BENCH_EDITS ?? '25');
  const ext = vscode.extensions.getExtension<Api>('kubectl-certs.kubectl-certs-vscode');
  if (!ext) throw new Error('the extension is not loaded');
  const api = ext.isActive ? ext.exports : await ext.activate();
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
  const editor = await vscode.window.showTextDocument(doc);
  const key = doc.uri.toString();
  await until(() => api.publishedAt.has(key), 'the first diagnostics');

  const editToPublished: number[] = [];
  const lint: number[] = [];
  for (let i = 0; i < WARMUP + edits; i++) {
    // Type a character into the first comment, or take it out again: every edit changes the text.
    const first = doc.lineAt(0);
    const t0 = performance.now();
    await editor.edit((e) =>
      i % 2 === 0
        ? e.insert(first.range.end, 'x')
        : e.delete(new vscode.Range(0, first.text.length - 1, 0, first.text.length)),
    );
    await until(() => (api.publishedAt.get(key) ?? 0) > t0, `the diagnostics of edit ${i}`);
    if (i < WARMUP) continue;
    editToPublished.push((api.publishedAt.get(key) ?? t0) - t0);
    lint.push(api.lintTimes.at(-1) ?? Number.NaN);
  }
  const diagnostics = vscode.languages.getDiagnostics(doc.uri).length;
  await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  writeFileSync(
    process.env.KUBECTL_CERTS_EXT_TEST_RESULTS ?? '',
    JSON.stringify({ lines: doc.lineCount, diagnostics, editToPublished, lint }),
  );
}
