import { editBetween, type Finding, fixAll } from '@kubectl-certs/core';
import * as vscode from 'vscode';
import { type Diagnostics, SOURCE } from './diagnostics.ts';
import { rangeOf, workspaceEdit } from './documents.ts';
import { ruleIdOf } from './rule-docs.ts';
import { lintOptions, settingsFor } from './settings.ts';

export const FIX_ALL_KIND = vscode.CodeActionKind.SourceFixAll.append('kubectl-certs');
export const FIX_ALL_TITLE = 'Fix all kubectl-certs problems';

/**
 * Quick fixes from the fixes core attached to each finding (the first is the safest and is
 * marked preferred), and "Fix all kubectl-certs problems" as a source.fixAll action, which
 * editor.codeActionsOnSave can also run. Every edit is core's minimal text edit, so comments
 * and layout stay as they were.
 */
export class CodeActions implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix, FIX_ALL_KIND];

  private readonly diagnostics: Diagnostics;

  constructor(diagnostics: Diagnostics) {
    this.diagnostics = diagnostics;
  }

  provideCodeActions(
    doc: vscode.TextDocument,
    range: vscode.Range | vscode.Selection,
    context: vscode.CodeActionContext,
  ): vscode.CodeAction[] {
    const only = context.only;
    const actions: vscode.CodeAction[] = [];
    if (!only || only.contains(vscode.CodeActionKind.QuickFix))
      actions.push(...this.quickFixes(doc, range, context));
    // Fixing the whole file costs a lint per round: only when asked for by kind (the Source Action
    // menu, codeActionsOnSave), never for the light bulb that follows the cursor.
    if (only && (only.contains(FIX_ALL_KIND) || FIX_ALL_KIND.contains(only)))
      actions.push(...this.fixAll(doc));
    return actions;
  }

  private quickFixes(
    doc: vscode.TextDocument,
    range: vscode.Range,
    context: vscode.CodeActionContext,
  ): vscode.CodeAction[] {
    const findings = this.diagnostics.findings(doc);
    return this.ourDiagnostics(doc, range, context).flatMap((d) => {
      const finding = findings.find(
        (f) => f.ruleId === ruleIdOf(d.code) && rangeOf(doc, f.range.start, f.range.end).isEqual(d.range),
      );
      return (finding?.fixes ?? []).map((fix, i) => {
        const action = new vscode.CodeAction(fix.title, vscode.CodeActionKind.QuickFix);
        action.diagnostics = [d];
        // A cluster-wide fix is for a person to choose: never the one auto-fix applies.
        action.isPreferred = i === 0 && !fix.clusterWide;
        action.edit = workspaceEdit(doc, fix.edits);
        return action;
      });
    });
  }

  /**
   * Our diagnostics at the range: those the editor passed, and those in our own collection, since
   * the editor's copy can lag a moment behind a publish (a request right after an edit).
   */
  private ourDiagnostics(
    doc: vscode.TextDocument,
    range: vscode.Range,
    context: vscode.CodeActionContext,
  ): vscode.Diagnostic[] {
    const published = (this.diagnostics.collection.get(doc.uri) ?? []).filter((d) =>
      d.range.intersection(range),
    );
    const seen = new Set<string>();
    return [...context.diagnostics.filter((d) => d.source === SOURCE), ...published].filter((d) => {
      const key = `${ruleIdOf(d.code)}@${d.range.start.line}:${d.range.start.character}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  }

  private fixAll(doc: vscode.TextDocument): vscode.CodeAction[] {
    if (!this.diagnostics.findings(doc).some((f: Finding) => f.fixes.length > 0)) return [];
    const before = doc.getText();
    const { text } = fixAll(before, { ...lintOptions(settingsFor(doc.uri), new Date()), path: doc.uri.path });
    if (text === before) return [];
    const action = new vscode.CodeAction(FIX_ALL_TITLE, FIX_ALL_KIND);
    action.edit = workspaceEdit(doc, [editBetween(before, text)]);
    return [action];
  }
}
