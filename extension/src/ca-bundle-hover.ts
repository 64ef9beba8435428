import { type CaBundleValue, type CertificateInfo, caExpiry } from '@kubectl-certs/core';
import * as vscode from 'vscode';
import { caBundlesOf } from './ca-bundles.ts';
import { rangeOf } from './documents.ts';

/** Hovering a caBundle value shows what it holds: each certificate's names, validity and fingerprint. */
export class CaBundleHover implements vscode.HoverProvider {
  provideHover(doc: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const at = doc.offsetAt(position);
    const bundle = caBundlesOf(doc).find((b) => b.range.start <= at && at <= b.range.end);
    if (!bundle) return undefined;
    return new vscode.Hover(
      describeCaBundle(bundle, new Date()),
      rangeOf(doc, bundle.range.start, bundle.range.end),
    );
  }
}

export function describeCaBundle(bundle: CaBundleValue, now: Date): vscode.MarkdownString {
  const md = new vscode.MarkdownString();
  if (!bundle.contents.ok)
    return md.appendMarkdown(`**caBundle**: ${escapeMarkdown(bundle.contents.reason)}`);
  const certs = bundle.contents.certificates;
  md.appendMarkdown(`**caBundle**: ${certs.length} certificate${certs.length === 1 ? '' : 's'}`);
  const expiry = caExpiry(certs, now);
  if (expiry) md.appendMarkdown(` (${expiry.label.replace(/^CA /, 'the first ')})`);
  for (const [i, c] of certs.entries()) md.appendMarkdown(`\n\n${certificateTable(c, i + 1, now)}`);
  return md;
}

function certificateTable(c: CertificateInfo, n: number, now: Date): string {
  const rows = [
    ['Subject', escapeMarkdown(c.subject.text)],
    ['Issuer', escapeMarkdown(c.issuer.text) + (c.selfIssued ? ' (self-issued)' : '')],
    ['Valid from', c.notBefore.toISOString()],
    ['Valid until', `${c.notAfter.toISOString()} (${caExpiry([c], now)?.label.replace(/^CA /, '')})`],
    ['CA', c.isCA ? 'yes' : 'no'],
    ['SHA-256', `\`${c.fingerprintSha256}\``],
  ];
  return [`| Certificate ${n} | |`, '|---|---|', ...rows.map(([k, v]) => `| ${k} | ${v} |`)].join('\n');
}

/** Escapes what would break a table cell or turn into emphasis (names may hold "|", "*" or "_"). */
function escapeMarkdown(s: string): string {
  return s.replace(/[\\`*_[\]|<>]/g, (c) => `\\${c}`);
}
