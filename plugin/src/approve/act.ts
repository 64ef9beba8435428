import type { Decision } from '@kubectl-certs/core';
import { type CsrItem, toCsrItem } from '../kube/csr-objects.ts';
import { withRetry } from '../kube/retry.ts';
import { withTimeout } from '../kube/timeout.ts';
import type { ApproveClient } from './approve-client.ts';
import { decide, type Gathered } from './gather.ts';
import { errorRow, firstLine, type ReportItem, reportRow } from './report-item.ts';
import type { ApproveSettings } from './settings.ts';
import { writeDecision } from './write-decision.ts';

const NOT_WRITTEN = { refuse: 'left pending', undecided: 'cannot decide now', ignore: 'none' } as const;

/**
 * Does what a decision says: writes Approved (or, with --deny, Denied for a refusal) unless this is
 * a dry run; an undecided or ignored CSR is never written. On a 409 (someone changed the CSR
 * meanwhile) it re-reads the CSR, with timeout and retries, and decides once more; a CSR deleted
 * meanwhile is a row saying so. Never throws: every outcome is a row.
 */
export async function act(
  client: ApproveClient,
  item: CsrItem,
  d: Decision,
  gathered: Gathered,
  s: Pick<ApproveSettings, 'dryRun' | 'deny' | 'options' | 'timeoutMs'>,
): Promise<ReportItem> {
  try {
    return await actOnce(client, item, d, gathered, s);
  } catch (e) {
    return errorRow(item, d, firstLine(e));
  }
}

async function actOnce(
  client: ApproveClient,
  item: CsrItem,
  d: Decision,
  gathered: Gathered,
  s: Pick<ApproveSettings, 'dryRun' | 'deny' | 'options' | 'timeoutMs'>,
): Promise<ReportItem> {
  let current = item;
  let decision = d;
  for (let attempt = 0; ; attempt++) {
    const writes = decision.decision === 'approve' || (decision.decision === 'refuse' && s.deny);
    if (!writes) {
      const row = reportRow(current, decision, NOT_WRITTEN[decision.decision as keyof typeof NOT_WRITTEN]);
      return attempt ? { ...row, reason: `changed by someone else meanwhile: ${decision.reason}` } : row;
    }
    if (s.dryRun)
      return reportRow(current, decision, decision.decision === 'approve' ? 'would approve' : 'would deny');
    try {
      await writeDecision(client, current.object, decision, s.timeoutMs);
      return reportRow(current, decision, decision.decision === 'approve' ? 'approved' : 'denied');
    } catch (e) {
      if ((e as { code?: number }).code !== 409) return errorRow(current, decision, firstLine(e));
      if (attempt > 0) return errorRow(current, decision, 'conflict persisted: the CSR kept changing');
    }
    const name = item.request.name;
    try {
      current = toCsrItem(
        await withRetry(() => withTimeout(client.readCsr(name), s.timeoutMs, `re-reading ${name}`)),
      );
    } catch (e) {
      if ((e as { code?: number }).code === 404)
        return reportRow(item, decision, 'deleted meanwhile', {
          decision: 'ignore',
          reason: `deleted by someone else meanwhile: nothing to decide`,
        });
      return errorRow(item, decision, `re-reading after a conflict: ${firstLine(e)}`);
    }
    [decision] = (await decide([current], gathered, s.options)) as [Decision];
  }
}
