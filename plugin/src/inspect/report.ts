import type { KubeletVerdict } from '@kubectl-certs/core';
import { humanDuration } from '../age.ts';
import { renderData } from '../output.ts';

/** Exit status when a kubelet would fail verification (documented in docs/exit-codes.md). */
export const EXIT_FAIL = 3;

const MARK = { pass: 'ok  ', fail: 'FAIL', skip: '--  ', info: 'info', undecided: '??  ' } as const;

/** A block per kubelet: certificate, each address as metrics-server would dial it, checks, verdict, steps. */
export function renderVerdicts(
  items: KubeletVerdict[],
  format: 'table' | 'json' | 'yaml',
  now: Date,
): string {
  if (format !== 'table')
    return renderData({ apiVersion: 'kubectl-certs.io/v1alpha1', kind: 'KubeletInspection', items }, format);
  return items.map((v) => renderOne(v, now)).join('\n\n');
}

function renderOne(v: KubeletVerdict, now: Date): string {
  const lines = [`Node ${v.node}: kubelet ${v.endpoint}`];
  if (v.certificate) {
    const left = humanDuration(new Date(v.certificate.notAfter).getTime() - now.getTime());
    lines.push(`  certificate  ${v.certificate.subject}`);
    lines.push(
      `  issuer       ${v.certificate.issuer}${v.certificate.selfSigned ? '  (self-signed by the kubelet)' : ''}`,
    );
    lines.push(`  SANs         ${v.certificate.sans.join(', ') || 'none'}`);
    lines.push(`  expires      ${v.certificate.notAfter} (in ${left})`);
  }
  if (v.addresses.length) {
    lines.push('  addresses (metrics-server dials the one marked *):');
    for (const a of v.addresses)
      lines.push(`    ${a.used ? '*' : ' '} ${a.ok ? 'ok  ' : 'FAIL'}  ${a.type} ${a.address}: ${a.message}`);
  }
  lines.push('  checks:');
  for (const c of v.checks) lines.push(`    ${MARK[c.outcome]}  ${c.id}: ${c.message}`);
  lines.push(`  verdict: ${v.verdict}${v.cause ? `: ${v.cause}` : ''}`);
  if (v.remediation.length) {
    lines.push(v.verdict === 'OK' ? '  next:' : '  to fix:');
    for (const [i, step] of v.remediation.entries()) lines.push(`    ${i + 1}. ${step}`);
  }
  return lines.join('\n');
}
