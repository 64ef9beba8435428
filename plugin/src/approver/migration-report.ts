import { renderData, renderTable } from '../output.ts';
import type { Migration } from './migrate.ts';

export const MIGRATION_API_VERSION = 'kubectl-certs.io/v1alpha1';

/** The command to run instead, then each setting: its value, our flags, and how ours compares. */
export function renderMigration(m: Migration, format: 'table' | 'json' | 'yaml'): string {
  if (format !== 'table')
    return renderData({ apiVersion: MIGRATION_API_VERSION, kind: 'ApproverMigration', ...m }, format);
  return [
    'Run instead:',
    `  ${m.command.map(shellQuote).join(' ')}`,
    '',
    renderTable(
      ['setting', 'value', 'ours', 'compared', 'note'],
      m.settings.map((s) => [
        s.setting,
        s.value === undefined ? '(default)' : JSON.stringify(s.value),
        s.flags.length ? s.flags.map(shellQuote).join(' ') : '-',
        s.kind,
        s.note,
      ]),
    ),
  ].join('\n');
}

/** POSIX shell quoting where needed, so the printed command can be pasted. */
function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`;
}
