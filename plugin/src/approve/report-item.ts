import { type Decision, requesterNode, type Verdict } from '@kubectl-certs/core';
import type { CsrItem } from '../kube/csr-objects.ts';

export type Action =
  | 'approved'
  | 'denied'
  | 'would approve'
  | 'would deny'
  | 'left pending'
  | 'cannot decide now'
  | 'deleted meanwhile'
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

/** The report line of a CSR with its decision and what was done. */
export function reportRow(
  item: CsrItem,
  d: Decision,
  action: Action,
  extra: Partial<ReportItem> = {},
): ReportItem {
  return {
    name: item.request.name,
    node: requesterNode(item.request) ?? '-',
    requester: item.request.username,
    created: item.created?.toISOString(),
    sans: d.sans,
    decision: d.decision,
    action,
    reason: d.reason,
    checks: d.checks,
    ...extra,
  };
}

/** The line of a CSR whose handling failed with `error`: what we decided is kept, the action is 'error'. */
export function errorRow(item: CsrItem, d: Decision, error: string): ReportItem {
  return reportRow(item, d, 'error', { decision: 'error', error });
}

/** The first line of what a client call threw, with its HTTP status when it has one. */
export function firstLine(e: unknown): string {
  const err = e as { code?: number; message?: string; body?: unknown };
  const msg = statusMessage(err.body) ?? err.message ?? String(e);
  return `${typeof err.code === 'number' ? `HTTP ${err.code}: ` : ''}${msg.split('\n')[0]}`;
}

/**
 * The message of the API server's Status in an error's body (client-node keeps the response's
 * text). Parsed, not matched: the message quotes names (`secrets "x" is forbidden: User "y"
 * cannot get ...`), and a match up to the first quote kept only `secrets \`.
 */
function statusMessage(body: unknown): string | undefined {
  let status = body;
  if (typeof body === 'string') {
    try {
      status = JSON.parse(body);
    } catch {
      return undefined;
    }
  }
  const message = (status as { message?: unknown } | null | undefined)?.message;
  return typeof message === 'string' && message ? message : undefined;
}
