import { humanDuration } from '../age.ts';
import { renderData, renderTable } from '../output.ts';
import type { ReportItem } from './report-item.ts';

/** Exit status when at least one CSR was refused (and nothing failed). Documented in docs/exit-codes.md. */
export const EXIT_REFUSED = 3;
/** Exit status when at least one CSR could not be decided now (and nothing failed): run it again. */
export const EXIT_UNDECIDED = 4;

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
  'cannot decide now': 'Undecided (left Pending)',
  'deleted meanwhile': 'Deleted meanwhile',
  none: 'Ignored',
  error: 'Error',
};

/** One decision while watching: a table row (the header before the first), or one JSON line / YAML document. */
export function renderWatchItem(
  i: ReportItem,
  format: 'table' | 'json' | 'yaml',
  now: Date,
  first: boolean,
): string {
  if (format === 'json') return JSON.stringify(i);
  if (format === 'yaml') return `---\n${renderData(i, 'yaml')}`;
  const table = renderTable(['name', 'node', 'age', 'sans', 'decision', 'reason'], [row(i, now)]).split('\n');
  return (first ? table : table.slice(1)).join('\n');
}

function row(i: ReportItem, now: Date): string[] {
  return [
    i.name,
    i.node || '-',
    i.created ? humanDuration(now.getTime() - new Date(i.created).getTime()) : '-',
    i.sans.join(',') || '-',
    LABEL[i.action],
    i.error ?? i.reason,
  ];
}

/**
 * The report in pieces, for writing as it is rendered: JSON item by item (5,000 CSRs with every
 * check are 13 MB of text, which would otherwise exist whole, twice: as a string and as the buffer
 * written). The concatenation is exactly JSON.stringify(reportDocument(...), null, 2) plus "\n".
 */
export function* reportChunks(
  items: ReportItem[],
  format: 'table' | 'json' | 'yaml',
  now: Date,
  dryRun: boolean,
): Generator<string> {
  if (format !== 'json') {
    yield `${renderReport(items, format, now, dryRun)}\n`;
    return;
  }
  const { items: _all, ...head } = reportDocument(items, dryRun);
  yield `${JSON.stringify(head, null, 2).slice(0, -2)},\n  "items": [`;
  const BATCH = 100;
  for (let i = 0; i < items.length; i += BATCH)
    yield items
      .slice(i, i + BATCH)
      .map(
        (item, j) =>
          `${i + j === 0 ? '' : ','}\n    ${JSON.stringify(item, null, 2).replaceAll('\n', '\n    ')}`,
      )
      .join('');
  yield items.length ? '\n  ]\n}\n' : ']\n}\n';
}

export function renderReport(
  items: ReportItem[],
  format: 'table' | 'json' | 'yaml',
  now: Date,
  dryRun: boolean,
): string {
  if (format !== 'table') return renderData(reportDocument(items, dryRun), format);
  if (items.length === 0) return 'No kubelet-serving CSRs to decide.';
  return renderTable(
    ['name', 'node', 'age', 'sans', 'decision', 'reason'],
    items.map((i) => row(i, now)),
  );
}

export function summary(items: ReportItem[], dryRun: boolean): string {
  const count = (f: (i: ReportItem) => boolean) => items.filter(f).length;
  const denied = count((i) => i.action === 'denied' || i.action === 'would deny');
  return [
    `${count((i) => i.decision === 'approve')} ${dryRun ? 'to approve' : 'approved'}`,
    `${count((i) => i.decision === 'refuse')} refused${denied ? ` (${denied} ${dryRun ? 'to deny' : 'denied'})` : ''}`,
    `${count((i) => i.decision === 'undecided')} undecided`,
    `${count((i) => i.decision === 'ignore')} ignored`,
    `${count((i) => i.decision === 'error')} errors`,
  ].join(', ');
}

/** 1 when anything failed, else EXIT_UNDECIDED when something could not be decided, else EXIT_REFUSED when something was refused, else 0. */
export function exitCode(items: ReportItem[]): number {
  if (items.some((i) => i.decision === 'error')) return 1;
  if (items.some((i) => i.decision === 'undecided')) return EXIT_UNDECIDED;
  return items.some((i) => i.decision === 'refuse') ? EXIT_REFUSED : 0;
}
