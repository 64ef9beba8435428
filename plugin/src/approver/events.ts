import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import type { CoreV1Event } from '@kubernetes/client-node';
import type { ReportItem } from '../approve/report-item.ts';
import type { CsrItem } from '../kube/csr-objects.ts';
import { EVENT_NAMESPACE } from '../rbac.ts';

export const EVENT_REASON = {
  approved: 'KubectlCertsApproved',
  refused: 'KubectlCertsRefused',
  superseded: 'KubectlCertsSuperseded',
} as const;

export const EVENT_COMPONENT = 'kubectl-certs-approver';

/** Events of cluster-scoped objects go to this namespace, as client-go's recorder puts them. */
export { EVENT_NAMESPACE };

/** What an Event of a row says (reason, message, type), or undefined when the row is not a decision. */
export function eventSummary(
  row: ReportItem,
): { reason: string; message: string; type: 'Normal' | 'Warning' } | undefined {
  const kind = eventKind(row);
  if (!kind) return undefined;
  const failing = row.checks.filter((c) => c.outcome === 'fail').map((c) => `${c.id}: ${c.message}`);
  const message =
    kind === 'approved'
      ? `approved: every check passed (${row.checks.filter((c) => c.outcome === 'pass').length} checks)`
      : `${row.action === 'denied' ? 'refused and denied' : kind === 'superseded' ? 'superseded' : 'refused, left Pending'}: ${failing.join('; ')}`;
  return { reason: EVENT_REASON[kind], message, type: kind === 'approved' ? 'Normal' : 'Warning' };
}

/**
 * The Event for a row acted on, or undefined when the row is not a decision (undecided, error,
 * ignored). Its message names every failing check, so `kubectl describe csr` says why.
 */
export function eventFor(
  row: ReportItem,
  item: CsrItem,
  instance: string,
  now: Date,
): CoreV1Event | undefined {
  const summary = eventSummary(row);
  return summary && eventOf(summary, item, instance, now);
}

/** The Event that says `summary` of the CSR `item`, written by `instance`. */
export function eventOf(
  { reason, message, type }: NonNullable<ReturnType<typeof eventSummary>>,
  item: CsrItem,
  instance: string,
  now: Date,
): CoreV1Event {
  const meta = item.object.metadata ?? {};
  return approverEvent(
    {
      metadata: { name: eventName(meta.name ?? '', meta.uid ?? '', reason, message) },
      involvedObject: {
        apiVersion: 'certificates.k8s.io/v1',
        kind: 'CertificateSigningRequest',
        name: meta.name ?? '',
        uid: meta.uid ?? '',
        resourceVersion: meta.resourceVersion ?? '',
      },
      reason,
      message,
      type,
    },
    instance,
    now,
  );
}

/** What differs between the approver's Events; the rest is the same for all of them. */
export interface EventContent {
  /** name (deterministic: recorded once) or generateName. */
  metadata: { name: string } | { generateName: string };
  involvedObject: CoreV1Event['involvedObject'];
  reason: string;
  message: string;
  type: 'Normal' | 'Warning';
}

/**
 * An Event of the approver: every one is about a cluster-scoped object (a CSR, the APIService), so
 * it goes to EVENT_NAMESPACE; the message is cut to the API server's 1 KiB.
 */
export function approverEvent(c: EventContent, instance: string, now: Date): CoreV1Event {
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { ...c.metadata, namespace: EVENT_NAMESPACE },
    involvedObject: c.involvedObject,
    reason: c.reason,
    message: c.message.slice(0, 1024),
    type: c.type,
    source: { component: EVENT_COMPONENT, host: hostname() },
    reportingComponent: EVENT_COMPONENT,
    reportingInstance: instance,
    firstTimestamp: now,
    lastTimestamp: now,
    count: 1,
  };
}

/**
 * One name per CSR and decision: `<csr>.<hash of its uid, the reason and the message>`. Every
 * replica, and a new leader after a failover, names the same decision alike, so the API server
 * keeps one Event of it (the second create answers 409 AlreadyExists), and `kubectl describe csr`
 * shows each decision once. Another outcome of the same CSR is another Event.
 */
export function eventName(csr: string, uid: string, reason: string, message: string): string {
  const hash = createHash('sha256').update(`${uid}\n${reason}\n${message}`).digest('hex').slice(0, 16);
  // A name is at most 253 characters (a CSR's may be that long already), and a cut one must still
  // end its last label with a letter or digit.
  return `${csr.slice(0, 253 - hash.length - 1).replace(/[-.]+$/, '')}.${hash}`;
}

function eventKind(row: ReportItem): keyof typeof EVENT_REASON | undefined {
  if (row.action === 'approved') return 'approved';
  if (row.checks.some((c) => c.id === 'superseded' && c.outcome === 'fail')) return 'superseded';
  if (row.action === 'denied' || row.action === 'left pending') return 'refused';
  return undefined;
}
