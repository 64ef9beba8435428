import { describe, expect, it } from 'vitest';
import type { ReportItem } from '../src/approve/approve-serving.ts';
import { renderReport, reportChunks, reportDocument } from '../src/approve/report.ts';

const item = (i: number): ReportItem => ({
  name: `csr-${i}`,
  node: `worker-${i % 7}`,
  requester: `system:node:worker-${i % 7}`,
  created: '2026-11-23T10:00:00.000Z',
  sans: [`worker-${i % 7}`, `10.0.0.${i % 250}`],
  decision: i % 3 ? 'approve' : 'refuse',
  action: i % 3 ? 'approved' : 'left pending',
  reason: 'a "quoted"\nreason',
  checks: [{ id: 'requester', outcome: 'pass', message: 'filed by the node it names' }],
});

describe('the approve-serving report, written in pieces', () => {
  it.each([0, 1, 99, 100, 101, 250])(
    '-o json of %i items is exactly JSON.stringify of the whole document',
    (n) => {
      const items = Array.from({ length: n }, (_, i) => item(i));
      for (const dryRun of [true, false])
        expect([...reportChunks(items, 'json', new Date(), dryRun)].join('')).toBe(
          `${JSON.stringify(reportDocument(items, dryRun), null, 2)}\n`,
        );
    },
  );

  it('writes a 1,000-item JSON report in more than one piece (none holds it all)', () => {
    const items = Array.from({ length: 1000 }, (_, i) => item(i));
    const chunks = [...reportChunks(items, 'json', new Date(), false)];
    const whole = chunks.join('');
    expect(chunks.length).toBeGreaterThan(10);
    expect(Math.max(...chunks.map((c) => c.length))).toBeLessThan(whole.length / 5);
  });

  it.each(['table', 'yaml'] as const)('-o %s is the rendered report and a newline', (format) => {
    const items = [item(1), item(2)];
    const now = new Date('2026-11-23T12:00:00Z');
    expect([...reportChunks(items, format, now, false)].join('')).toBe(
      `${renderReport(items, format, now, false)}\n`,
    );
  });
});
