import { caExpiry } from '@kubectl-certs/core';
import * as vscode from 'vscode';
import { caBundlesOf } from './ca-bundles.ts';
import { rangeOf } from './documents.ts';

export const SHOW_CA_BUNDLE = 'kubectl-certs.showCaBundle';

/**
 * "CA expires in 213 days" above every caBundle. A CodeLens cannot be coloured (the editor draws
 * every lens in one colour), so a CA within 30 days of expiry gets a $(warning) icon and an
 * expired one $(error); the cabundle-invalid diagnostic gives the coloured squiggle. Clicking the
 * lens shows the hover.
 */
export class CaBundleCodeLens implements vscode.CodeLensProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    const now = new Date();
    return caBundlesOf(doc).flatMap((b) => {
      const range = rangeOf(doc, b.range.start, b.range.end);
      if (!b.contents.ok) return [lens(range, '$(error) caBundle cannot be read', b.contents.reason)];
      const expiry = caExpiry(b.contents.certificates, now);
      if (!expiry) return [];
      const icon = { valid: '', expiring: '$(warning) ', expired: '$(error) ' }[expiry.state];
      return [
        lens(
          range,
          `${icon}${expiry.label}`,
          `${expiry.soonest.subject.text}, valid until ${expiry.soonest.notAfter.toISOString()}`,
        ),
      ];
    });
  }

  /** Days pass while a file stays open: recount now and then. */
  refresh(): void {
    this.changed.fire();
  }
}

function lens(range: vscode.Range, title: string, tooltip: string): vscode.CodeLens {
  return new vscode.CodeLens(range, { title, tooltip, command: SHOW_CA_BUNDLE, arguments: [range.start] });
}

/** The lens's command: the caBundle's hover, at the value. */
export async function showCaBundle(at: vscode.Position): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  if (!editor) return;
  editor.selection = new vscode.Selection(at, at);
  await vscode.commands.executeCommand('editor.action.showHover');
}
