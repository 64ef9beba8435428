/**
 * Every metric `kubectl certs approver run` serves on /metrics: the one definition of their names
 * and labels. Alerting rules (deploy/) and dashboards are written against these; renaming one is a
 * breaking change for users.
 */
export const METRIC_PREFIX = 'kubectl_certs_approver_';

export const METRICS = {
  /** Counter. Decisions acted on, by `decision` (approve, refuse, undecided, superseded, capped) and the first failing (or undecided) `check` ("none" for approvals). */
  decisions: `${METRIC_PREFIX}decisions_total`,
  /** Gauge. Pending kubernetes.io/kubelet-serving CSRs the approver knows of. */
  pendingCsrs: `${METRIC_PREFIX}pending_csrs`,
  /** Gauge. creationTimestamp (Unix seconds) of the oldest pending kubelet-serving CSR; absent when none is pending. */
  oldestPendingCsr: `${METRIC_PREFIX}oldest_pending_csr_creation_timestamp_seconds`,
  /** Histogram. Seconds from a CSR's creation to the decision written (or left), by `decision`. */
  decisionDuration: `${METRIC_PREFIX}decision_duration_seconds`,
  /** Counter. Failed calls to the API server (or DNS, or a kubelet probe), by `operation` and HTTP `code` ("" when none). */
  apiErrors: `${METRIC_PREFIX}api_errors_total`,
  /** Gauge. 1 while this replica holds the Lease (and is the one that writes), else 0. */
  leader: `${METRIC_PREFIX}leader`,
  /** Gauge. notAfter (Unix seconds) of the serving certificate last issued for a CSR it approved, by `node`. */
  servingCertificateExpiry: `${METRIC_PREFIX}serving_certificate_expiry_timestamp_seconds`,
  /**
   * Gauge. 1 when the kubelet's current serving certificate is its own self-signed one, 0 when
   * CA-signed, by `node` (a TLS probe on a schedule, by the leader; absent when the probe failed).
   */
  kubeletSelfSigned: `${METRIC_PREFIX}kubelet_serving_certificate_self_signed`,
  /** Gauge. notAfter (Unix seconds) of metrics-server's serving certificate that `secure metrics-server` set up, read by the leader each renewal round. */
  metricsServerServingExpiry: `${METRIC_PREFIX}metrics_server_serving_certificate_expiry_timestamp_seconds`,
  /** Gauge. notAfter (Unix seconds) of the current CA of that certificate. */
  metricsServerCaExpiry: `${METRIC_PREFIX}metrics_server_ca_expiry_timestamp_seconds`,
  /** Counter. Renewal steps written, by `step` (issue-serving, rotate-ca, publish-bundle, drop-previous-ca). */
  metricsServerRenewals: `${METRIC_PREFIX}metrics_server_renewals_total`,
} as const;

export type MetricName = (typeof METRICS)[keyof typeof METRICS];
