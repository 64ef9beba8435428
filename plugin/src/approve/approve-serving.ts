import { type Decision, requesterNode } from '@kubectl-certs/core';
import { AuthorizationV1Api, CertificatesV1Api, type KubeConfig } from '@kubernetes/client-node';
import pLimit from 'p-limit';
import { APPROVER_PERMISSIONS, requirePermissions } from '../kube/access-review.ts';
import { describeApiError } from '../kube/api-error.ts';
import { type CsrItem, csrPages, toCsrItem } from '../kube/csr-objects.ts';
import { withTimeout } from '../kube/timeout.ts';
import { act } from './act.ts';
import { type ApproveClient, approveClient } from './approve-client.ts';
import { gatherAndDecide } from './gather.ts';
import type { ReportItem } from './report-item.ts';
import type { ApproveSettings } from './settings.ts';

export type { Action, ReportItem } from './report-item.ts';
export type { ApproveSettings, Selection } from './settings.ts';

/** Everything approve-serving does once: select, decide, write back (unless --dry-run). */
export async function approveServing(kc: KubeConfig, s: ApproveSettings): Promise<ReportItem[]> {
  const server = kc.getCurrentCluster()?.server ?? '?';
  const certs = kc.makeApiClient(CertificatesV1Api);
  try {
    if (!s.dryRun)
      await requirePermissions(kc.makeApiClient(AuthorizationV1Api), APPROVER_PERMISSIONS, s.timeoutMs);
    const named = s.selection.names.length
      ? await readNamed(certs, s.selection.names, s.timeoutMs)
      : undefined;
    const batches = named ? [named.items] : csrPages(kc, s.timeoutMs);
    const report = await decideBatches(approveClient(kc, s.timeoutMs), batches, named !== undefined, s);
    return [...report, ...(named?.missing ?? [])];
  } catch (e) {
    throw describeApiError(e, 'approve-serving', server);
  }
}

/**
 * Decides and acts on each batch in turn. The next page is listed and decided while this one's
 * writes are in flight (its writes queue behind them, so `concurrency` are always busy); at most
 * two pages are held at once, so memory stays bounded by the page size.
 */
export async function decideBatches(
  client: ApproveClient,
  batches: Iterable<CsrItem[]> | AsyncIterable<CsrItem[]>,
  named: boolean,
  s: ApproveSettings,
): Promise<ReportItem[]> {
  const report: ReportItem[] = [];
  const limit = pLimit(s.concurrency);
  let done = 0;
  let previous: Promise<ReportItem[]> = Promise.resolve([]);
  for await (const batch of batches) {
    const chosen = batch.filter(
      (i) => named || s.selection.all || s.selection.nodes.includes(requesterNode(i.request) ?? ''),
    );
    if (chosen.length === 0) continue;
    const { gathered, decisions } = await gatherAndDecide(client, chosen, s.options, s.timeoutMs);
    const shown = chosen
      .map((item, i) => ({ item, d: decisions[i] as Decision }))
      .filter((r) => s.showIgnored || named || r.d.decision !== 'ignore');
    const current = Promise.all(
      shown.map((r) =>
        limit(async () => {
          const out = await act(client, r.item, r.d, gathered, s);
          s.progress?.(s.dryRun ? 'decided' : 'decided and written', ++done);
          return out;
        }),
      ),
    );
    report.push(...(await previous));
    previous = current;
  }
  report.push(...(await previous));
  return report;
}

async function readNamed(
  api: CertificatesV1Api,
  names: string[],
  timeoutMs: number,
): Promise<{ items: CsrItem[]; missing: ReportItem[] }> {
  const items: CsrItem[] = [];
  const missing: ReportItem[] = [];
  for (const name of names) {
    try {
      items.push(
        toCsrItem(
          await withTimeout(api.readCertificateSigningRequest({ name }), timeoutMs, `reading ${name}`),
        ),
      );
    } catch (e) {
      if ((e as { code?: number }).code !== 404) throw e;
      missing.push({
        name,
        node: '',
        requester: '',
        sans: [],
        decision: 'error',
        action: 'error',
        reason: `CSR ${name} not found`,
        error: 'not found',
        checks: [],
      });
    }
  }
  return { items, missing };
}
