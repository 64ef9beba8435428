import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { PROMTOOL, requireMonitoringTools } from './monitoring-tools.ts';

// The alerting rules that ship in deploy/prometheus, checked and unit-tested by Debian's promtool
// (the same Prometheus 2.42 that scrapes the approver in test/e2e/approver.test.ts): each alert's firing and
// quiet cases, with their exact labels and texts, are in test/prometheus/kubectl-certs.rules.test.yaml.
const RULES = new URL('../../deploy/prometheus/kubectl-certs.rules.yaml', import.meta.url).pathname;
const TESTS = new URL('../prometheus/kubectl-certs.rules.test.yaml', import.meta.url).pathname;
const promtool = PROMTOOL;
beforeAll(() => requireMonitoringTools());

const run = (args: string[]) => {
  const r = spawnSync(promtool, args, { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
};

describe('deploy/prometheus alerting rules', () => {
  it('pass promtool check rules (syntax, PromQL, templates)', () => {
    const r = run(['check', 'rules', RULES]);
    expect(r.out).toContain('SUCCESS: 5 rules found');
    expect(r.code).toBe(0);
  });

  it('pass every case of promtool test rules', () => {
    const r = run(['test', 'rules', TESTS]);
    expect(r.out).not.toContain('FAILED');
    expect(r.code).toBe(0);
  });

  const alerts = (parse(readFileSync(RULES, 'utf8')) as { groups: { rules: { alert: string }[] }[] }).groups
    .flatMap((g) => g.rules)
    .map((r) => r.alert);
  const cases = (
    parse(readFileSync(TESTS, 'utf8')) as {
      tests: { alert_rule_test: { alertname: string; exp_alerts: unknown[] }[] }[];
    }
  ).tests.flatMap((t) => t.alert_rule_test);
  it.each(alerts)('%s is tested both firing and quiet', (alert) => {
    const mine = cases.filter((c) => c.alertname === alert);
    expect(mine.some((c) => c.exp_alerts.length > 0)).toBe(true);
    expect(mine.some((c) => c.exp_alerts.length === 0)).toBe(true);
  });
});
