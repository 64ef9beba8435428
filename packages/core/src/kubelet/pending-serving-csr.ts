import type { CheckResult } from '../csr-policy/types.ts';
import { info, pass, skip } from '../csr-policy/types.ts';

/** The node's pending kubelet-serving CSRs, or why they could not be listed. */
export type PendingCsrsEvidence = { ok: true; names: string[] } | { ok: false; error: string };

/**
 * A kubelet with serverTLSBootstrap and no certificate yet answers every TLS handshake with an
 * internal_error alert (80): Go reports `remote error: tls: internal error`, OpenSSL (Node)
 * `tlsv1 alert internal error ... SSL alert number 80`. No network problem looks like this.
 */
export function isNoCertificateAlert(error: string): boolean {
  return /remote error: tls: internal error|alert internal error|SSL alert number 80/.test(error);
}

/**
 * The cause when the kubelet has no serving certificate yet because its CSR waits for approval;
 * undefined when the failure to read the certificate is something else.
 */
export function noServingCertificateYet(
  servedError: string,
  pending: PendingCsrsEvidence,
): string | undefined {
  if (!isNoCertificateAlert(servedError) || !pending.ok || pending.names.length === 0) return undefined;
  const csrs = pending.names.join(', ');
  return `no serving certificate yet: CSR ${csrs} ${pending.names.length > 1 ? 'are' : 'is'} Pending (until one is approved the kubelet fails every TLS handshake: remote error: tls: internal error)`;
}

/** Pending CSRs are information; a list that failed is not "none": it says why it is unknown. */
export function pendingCsrsCheck(pending: PendingCsrsEvidence): CheckResult {
  if (!pending.ok) return skip('pending-csrs', `unknown: cannot list CSRs: ${pending.error}`);
  return pending.names.length
    ? info('pending-csrs', `pending kubelet-serving CSRs of this node: ${pending.names.join(', ')}`)
    : pass('pending-csrs', 'no pending kubelet-serving CSR');
}
