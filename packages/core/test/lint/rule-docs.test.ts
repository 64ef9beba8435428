import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RULES, SYNTAX_RULE } from '../../src/lint/lint.ts';
import { SECURE_METRICS_SERVER_COMMAND } from '../../src/lint/live-cluster-hints.ts';

/** Rules whose findings can be of a second severity say so in the title. */
const QUALIFIERS: Record<string, string> = {
  'cabundle-invalid': ', or warning when the CA expires within 30 days',
  'kubespray-serving-certificates': '; info when the approver is off',
};

const docs = new URL('../../../../docs/rules/', import.meta.url);

describe('every rule has its documentation page', () => {
  it.each([...RULES.map((r) => [r.id, r.severity] as const), [SYNTAX_RULE, 'error'] as const])(
    'docs/rules/%s.md',
    (id, severity) => {
      const file = new URL(`${id}.md`, docs);
      expect(existsSync(file)).toBe(true);
      const text = readFileSync(file, 'utf8');
      expect(text.split('\n')[0]).toBe(`# ${id} (${severity}${QUALIFIERS[id] ?? ''})`);
      expect(text).toContain('**Fix');
    },
  );
});

describe('a rule that secure metrics-server takes care of on a live cluster says so on its page', () => {
  it.each(RULES.filter((r) => r.liveCluster).map((r) => [r.id, r.liveCluster] as const))(
    'docs/rules/%s.md names `%s`',
    (id, kind) => {
      const text = readFileSync(new URL(`${id}.md`, docs), 'utf8');
      const command =
        kind === 'apply' ? SECURE_METRICS_SERVER_COMMAND : `${SECURE_METRICS_SERVER_COMMAND} --print-values`;
      expect(text).toContain(`**On a live cluster**: \`${command}\``);
    },
  );
});
