import { humanDuration } from '../age.ts';
import { renderData, renderTable } from '../output.ts';
import type { ReportItem } from './approve-serving.ts';

/** Exit status when at least one CSR was refused (and nothing failed). Documented in docs/exit-codes.md. */
export const EXIT_REFUSED = 3;

export const REPORT_API_VERSION = 'kubectl-certs.io/v1alpha1';

/** The -o json|yaml document; its shape is pinned by a test and documented in docs/approve-serving.md. */
export function reportDocument(items: ReportItem[], dryRun: boolean) {
  return { apiVersion: REPORT_API_VERSION, kind: 'ApproveServingReport', dryRun, items };
}

const LABEL: Record<ReportItem['action'], string> = {
  approved: 'Approved',
  denied: 'Denied',
  'would approve': 'Approve (dry run)',
  'would deny': 'Deny (dry run)',
  'left pending': 'Refused (left Pending)',
  none: 'Ignored',
  error: 'Error',
};

export function renderReport(
  items: ReportItem[],
  format: 'table' | 'json' | 'yaml',
  now: Date,
  dryRun: boolean,
): string {
  if (format !== 'table') return renderData(reportDocument(items, dryRun), format);
  if (items.length === 0) return 'No kubelet-serving CSRs to decide.';
  const rows = items.map((i) => [
    i.name,
    i.node || '-',
    i.created ? humanDuration(now.getTime() - new Date(i.created).getTime()) : '-',
    i.sans.join(',') || '-',
    LABEL[i.action],
    i.error ?? i.reason,
  ]);
  return renderTable(['name', 'node', 'age', 'sans', 'decision', 'reason'], rows);
}

export function summary(items: ReportItem[]): string {
  const count = (f: (i: ReportItem) => boolean) => items.filter(f).length;
  return [
    `${count((i) => i.decision === 'approve')} to approve`,
    `${count((i) => i.decision === 'refuse')} refused`,
    `${count((i) => i.decision === 'ignore')} ignored`,
    `${count((i) => i.decision === 'error')} errors`,
  ].join(', ');
}

/** 1 when anything failed, EXIT_REFUSED when something was refused, else 0. */
export function exitCode(items: ReportItem[]): number {
  if (items.some((i) => i.decision === 'error')) return 1;
  return items.some((i) => i.decision === 'refuse') ? EXIT_REFUSED : 0;
}
