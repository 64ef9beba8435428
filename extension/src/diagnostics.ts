import { type Finding, lint, ParseCache } from '@kubectl-certs/core';
import * as vscode from 'vscode';
import { isLintable, rangeOf } from './documents.ts';
import { ruleCode } from './rule-docs.ts';
import { lintOptions, settingsFor, severityOf } from './settings.ts';

export const SOURCE = 'kubectl-certs';

interface Linted {
  /** A closed file opened again is a new document whose versions start again at 1. */
  doc: vscode.TextDocument;
  version: number;
  findings: Finding[];
}

/** Parsed documents per open file: after an edit only the documents it touched are parsed again. */
const caches = new Map<string, ParseCache>();

export function parseCacheOf(uri: vscode.Uri): ParseCache {
  const key = uri.toString();
  let cache = caches.get(key);
  if (!cache) {
    cache = new ParseCache();
    caches.set(key, cache);
  }
  return cache;
}

/**
 * Lints YAML documents with core's rules and publishes the findings as diagnostics: at once when
 * a document opens, after a pause in typing when it changes. Keeps the findings of each document
 * version so that code actions use exactly what was shown (and its fixes) without re-parsing.
 */
export class Diagnostics implements vscode.Disposable {
  readonly collection = vscode.languages.createDiagnosticCollection(SOURCE);
  /** Milliseconds each lint() took, newest last (the benchmark reads them). */
  readonly lintTimes: number[] = [];
  /** When (performance.now()) diagnostics were last published, per document URI (for the benchmark). */
  readonly publishedAt = new Map<string, number>();
  private readonly linted = new Map<string, Linted>();
  private readonly pending = new Map<string, ReturnType<typeof setTimeout>>();

  /** Lints now and publishes. */
  refresh(doc: vscode.TextDocument): void {
    this.cancel(doc.uri);
    // A timer set before the file was closed must not publish the closed document's text.
    if (doc.isClosed || !isLintable(doc)) return;
    const settings = settingsFor(doc.uri);
    if (!settings.enable) {
      this.forget(doc.uri);
      return;
    }
    const findings = this.findings(doc);
    this.collection.set(
      doc.uri,
      findings.map((f) => this.toDiagnostic(doc, f, severityOf(settings, f.ruleId, f.severity))),
    );
    this.publishedAt.set(doc.uri.toString(), performance.now());
  }

  /** Lints once typing pauses for the document's lintDelay. */
  schedule(doc: vscode.TextDocument): void {
    if (!isLintable(doc)) return;
    this.cancel(doc.uri);
    const timer = setTimeout(() => this.refresh(doc), settingsFor(doc.uri).lintDelay);
    this.pending.set(doc.uri.toString(), timer);
  }

  /** The findings for the document's current text (linted now if it changed since). */
  findings(doc: vscode.TextDocument): Finding[] {
    const key = doc.uri.toString();
    const known = this.linted.get(key);
    if (known?.doc === doc && known.version === doc.version) return known.findings;
    const settings = settingsFor(doc.uri);
    if (!settings.enable) return [];
    const t0 = performance.now();
    const options = { ...lintOptions(settings, new Date()), path: doc.uri.path };
    const findings = lint(doc.getText(), options, parseCacheOf(doc.uri));
    this.lintTimes.push(performance.now() - t0);
    this.linted.set(key, { doc, version: doc.version, findings });
    return findings;
  }

  /** Settings changed: what was linted before may now read differently. */
  refreshAll(): void {
    this.linted.clear();
    for (const doc of vscode.workspace.textDocuments) this.refresh(doc);
  }

  forget(uri: vscode.Uri): void {
    this.cancel(uri);
    this.linted.delete(uri.toString());
    caches.delete(uri.toString());
    this.collection.delete(uri);
  }

  dispose(): void {
    for (const t of this.pending.values()) clearTimeout(t);
    this.collection.dispose();
  }

  private toDiagnostic(
    doc: vscode.TextDocument,
    f: Finding,
    severity: vscode.DiagnosticSeverity,
  ): vscode.Diagnostic {
    const d = new vscode.Diagnostic(rangeOf(doc, f.range.start, f.range.end), f.message, severity);
    d.source = SOURCE;
    d.code = ruleCode(f.ruleId);
    return d;
  }

  private cancel(uri: vscode.Uri): void {
    const key = uri.toString();
    clearTimeout(this.pending.get(key));
    this.pending.delete(key);
  }
}
