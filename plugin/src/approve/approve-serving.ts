import { resolve4, resolve6 } from 'node:dns/promises';
import {
  type Decision,
  type DnsAnswer,
  decideAll,
  type PolicyInput,
  type PolicyOptions,
  parseRequest,
  requesterNode,
  type Verdict,
} from '@kubectl-certs/core';
import { AuthorizationV1Api, CertificatesV1Api, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import pLimit from 'p-limit';
import { APPROVER_PERMISSIONS, requirePermissions } from '../kube/access-review.ts';
import { describeApiError } from '../kube/api-error.ts';
import { type CsrItem, csrPages, listNodes, toCsrItem } from '../kube/csr-objects.ts';
import { withTimeout } from '../kube/timeout.ts';
import { writeDecision } from './write-decision.ts';

export interface Selection {
  names: string[];
  nodes: string[];
  all: boolean;
}

export interface ApproveSettings {
  selection: Selection;
  dryRun: boolean;
  deny: boolean;
  showIgnored: boolean;
  options: PolicyOptions;
  timeoutMs: number;
  concurrency: number;
  progress?: (label: string, done: number) => void;
}

export type Action =
  | 'approved'
  | 'denied'
  | 'would approve'
  | 'would deny'
  | 'left pending'
  | 'none'
  | 'error';

/** One line of the report: the decision, what was done about it, and every check. */
export interface ReportItem {
  name: string;
  node: string;
  requester: string;
  created?: string | undefined;
  sans: string[];
  decision: Verdict | 'error';
  action: Action;
  reason: string;
  error?: string;
  checks: Decision['checks'];
}

/** Everything approve-serving does once: select, decide, write back (unless --dry-run). */
export async function approveServing(kc: KubeConfig, s: ApproveSettings): Promise<ReportItem[]> {
  const server = kc.getCurrentCluster()?.server ?? '?';
  const certs = kc.makeApiClient(CertificatesV1Api);
  const core = kc.makeApiClient(CoreV1Api);
  try {
    if (!s.dryRun)
      await requirePermissions(kc.makeApiClient(AuthorizationV1Api), APPROVER_PERMISSIONS, s.timeoutMs);
    const nodes = await listNodes(core, s.timeoutMs).then(
      (value): PolicyInput['nodes'] => ({ ok: true, value }),
      (e): PolicyInput['nodes'] => ({
        ok: false,
        error: describeApiError(e, 'listing Nodes', server).message,
      }),
    );
    const named = s.selection.names.length
      ? await readNamed(certs, s.selection.names, s.timeoutMs)
      : undefined;
    const batches = named ? [named.items] : csrPages(certs, s.timeoutMs);
    const report: ReportItem[] = [];
    const limit = pLimit(s.concurrency);
    let done = 0;
    // A page at a time: memory stays bounded by the page size, whatever the backlog.
    for await (const batch of batches) {
      const chosen = batch.filter(
        (i) =>
          named !== undefined ||
          s.selection.all ||
          s.selection.nodes.includes(requesterNode(i.request) ?? ''),
      );
      if (chosen.length === 0) continue;
      const dns = s.options.resolveDns ? await resolveDnsSans(chosen) : undefined;
      const decisions = await decideAll(
        chosen.map((i) => i.request),
        nodes,
        s.options,
        dns,
      );
      const shown = chosen
        .map((item, i) => ({ item, d: decisions[i] as Decision }))
        .filter((r) => s.showIgnored || named !== undefined || r.d.decision !== 'ignore');
      report.push(
        ...(await Promise.all(
          shown.map((r) =>
            limit(async () => {
              const out = await act(certs, r.item, r.d, nodes, dns, s);
              s.progress?.(s.dryRun ? 'decided' : 'decided and written', ++done);
              return out;
            }),
          ),
        )),
      );
    }
    return [...report, ...(named?.missing ?? [])];
  } catch (e) {
    throw describeApiError(e, 'approve-serving', server);
  }
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

/** Writes the decision; on 409 re-reads the CSR and decides again once (someone else may have acted). */
export async function act(
  api: CertificatesV1Api,
  item: CsrItem,
  d: Decision,
  nodes: PolicyInput['nodes'],
  dns: Map<string, DnsAnswer> | undefined,
  s: ApproveSettings,
): Promise<ReportItem> {
  const row = (dd: Decision, action: Action, extra: Partial<ReportItem> = {}): ReportItem => ({
    name: item.request.name,
    node: requesterNode(item.request) ?? '-',
    requester: item.request.username,
    created: item.created?.toISOString(),
    sans: dd.sans,
    decision: dd.decision,
    action,
    reason: dd.reason,
    checks: dd.checks,
    ...extra,
  });
  const writes = d.decision === 'approve' || (d.decision === 'refuse' && s.deny);
  if (!writes) return row(d, d.decision === 'refuse' ? 'left pending' : 'none');
  if (s.dryRun) return row(d, d.decision === 'approve' ? 'would approve' : 'would deny');
  let current = item;
  let decision = d;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeDecision(api, current.object, decision, s.timeoutMs);
      return row(decision, decision.decision === 'approve' ? 'approved' : 'denied');
    } catch (e) {
      if ((e as { code?: number }).code !== 409 || attempt > 0)
        return row(decision, 'error', { decision: 'error', error: firstLine(e) });
      current = toCsrItem(await api.readCertificateSigningRequest({ name: item.request.name }));
      [decision] = (await decideAll([current.request], nodes, s.options, dns)) as [Decision];
      if (decision.decision === 'ignore')
        return row(decision, 'none', { reason: `changed by someone else meanwhile: ${decision.reason}` });
    }
  }
  return row(decision, 'error', { decision: 'error', error: 'conflict persisted' });
}

function firstLine(e: unknown): string {
  const err = e as { code?: number; message?: string; body?: unknown };
  const body = typeof err.body === 'string' ? err.body : JSON.stringify(err.body ?? '');
  const msg = body.match(/"message":"([^"]+)"/)?.[1] ?? err.message ?? String(e);
  return `${err.code ? `HTTP ${err.code}: ` : ''}${msg.split('\n')[0]}`;
}

/** Looks up every DNS SAN of the chosen CSRs (A and AAAA) for --resolve-dns. */
async function resolveDnsSans(items: CsrItem[]): Promise<Map<string, DnsAnswer>> {
  const names = new Set<string>();
  for (const i of items) {
    const p = parseRequest(i.request);
    if (p.ok) for (const n of p.value.sans.dns) names.add(n);
  }
  const out = new Map<string, DnsAnswer>();
  await Promise.all(
    [...names].map(async (n) => {
      const [v4, v6] = await Promise.allSettled([resolve4(n), resolve6(n)]);
      const addresses = [
        ...(v4.status === 'fulfilled' ? v4.value : []),
        ...(v6.status === 'fulfilled' ? v6.value : []),
      ];
      const err = v4.status === 'rejected' ? (v4.reason as { code?: string }).code : undefined;
      out.set(n, addresses.length ? { addresses } : { error: err ?? 'no A or AAAA record' });
    }),
  );
  return out;
}
