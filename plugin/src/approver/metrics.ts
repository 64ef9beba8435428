import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ReportItem } from '../approve/report-item.ts';
import { METRICS } from './metric-names.ts';

export interface PendingSummary {
  count: number;
  oldestCreatedMs: number | undefined;
}

/** The approver's metrics on a registry of its own (no global state; one per process or test). */
export class ApproverMetrics {
  readonly registry = new Registry();
  readonly decisions = new Counter({
    name: METRICS.decisions,
    help: 'Decisions acted on, by decision and the first failing (or undecided) check.',
    labelNames: ['decision', 'check'] as const,
    registers: [this.registry],
  });
  readonly pending = new Gauge({
    name: METRICS.pendingCsrs,
    help: 'Pending kubernetes.io/kubelet-serving CSRs.',
    registers: [this.registry],
    collect: () => this.collectPending(),
  });
  readonly oldestPending = new Gauge({
    name: METRICS.oldestPendingCsr,
    help: 'creationTimestamp of the oldest pending kubelet-serving CSR (Unix seconds).',
    registers: [this.registry],
    collect: () => this.collectPending(),
  });
  readonly duration = new Histogram({
    name: METRICS.decisionDuration,
    help: "Seconds from a CSR's creation to its decision.",
    labelNames: ['decision'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600],
    registers: [this.registry],
  });
  readonly apiErrors = new Counter({
    name: METRICS.apiErrors,
    help: 'Failed calls to the API server, DNS or kubelets, by operation and HTTP code.',
    labelNames: ['operation', 'code'] as const,
    registers: [this.registry],
  });
  readonly leader = new Gauge({
    name: METRICS.leader,
    help: '1 while this replica holds the Lease and writes decisions.',
    registers: [this.registry],
  });
  readonly servingExpiry = new Gauge({
    name: METRICS.servingCertificateExpiry,
    help: 'notAfter of the serving certificate last issued for a CSR it approved (Unix seconds).',
    labelNames: ['node'] as const,
    registers: [this.registry],
  });
  readonly selfSigned = new Gauge({
    name: METRICS.kubeletSelfSigned,
    help: "1 when the kubelet's current serving certificate is its own self-signed one, 0 when CA-signed.",
    labelNames: ['node'] as const,
    registers: [this.registry],
  });

  readonly metricsServerServingExpiry = new Gauge({
    name: METRICS.metricsServerServingExpiry,
    help: "notAfter of metrics-server's serving certificate that secure metrics-server set up (Unix seconds).",
    registers: [this.registry],
  });
  readonly metricsServerCaExpiry = new Gauge({
    name: METRICS.metricsServerCaExpiry,
    help: "notAfter of the current CA of metrics-server's serving certificate (Unix seconds).",
    registers: [this.registry],
  });
  readonly metricsServerRenewals = new Counter({
    name: METRICS.metricsServerRenewals,
    help: "Renewal steps of metrics-server's serving certificate written, by step.",
    labelNames: ['step'] as const,
    registers: [this.registry],
  });

  /** The pending CSRs, read when scraped (a burst changes them thousands of times between scrapes). */
  private readonly pendingNow: (() => PendingSummary) | undefined;

  constructor(pendingNow?: () => PendingSummary) {
    this.pendingNow = pendingNow;
    this.leader.set(0);
  }

  private collectPending(): void {
    if (!this.pendingNow) return;
    const { count, oldestCreatedMs } = this.pendingNow();
    this.pending.set(count);
    if (oldestCreatedMs === undefined) this.oldestPending.reset();
    else this.oldestPending.set(oldestCreatedMs / 1000);
  }

  /** Counts one row acted on and, when it decided something, the time since the CSR's creation. */
  recordRow(row: ReportItem, now: number): void {
    const decision = row.decision === 'error' ? 'error' : row.decision;
    if (decision === 'error' || decision === 'ignore') return;
    const first =
      row.checks.find((c) => c.outcome === 'fail') ?? row.checks.find((c) => c.outcome === 'undecided');
    this.decisions.inc({ decision, check: decision === 'approve' ? 'none' : (first?.id ?? 'none') });
    if (row.created && decision !== 'undecided')
      this.duration.observe({ decision }, Math.max(0, (now - Date.parse(row.created)) / 1000));
  }

  apiError(operation: string, e: unknown): void {
    const code = (e as { code?: unknown }).code;
    this.apiErrors.inc({ operation, code: typeof code === 'number' ? String(code) : '' });
  }
}
