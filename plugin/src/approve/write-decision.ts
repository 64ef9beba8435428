import type { Decision } from '@kubectl-certs/core';
import type { V1CertificateSigningRequest } from '@kubernetes/client-node';
import { withRetry } from '../kube/retry.ts';
import { withTimeout } from '../kube/timeout.ts';
import type { ApproveClient } from './approve-client.ts';

export const APPROVED_REASON = 'KubectlCertsApproved';
export const DENIED_REASON = 'KubectlCertsDenied';

/** The condition we write: who decided, and why, readable in `kubectl describe csr`. */
export function conditionFor(d: Decision): { type: 'Approved' | 'Denied'; reason: string; message: string } {
  if (d.decision === 'approve') {
    return {
      type: 'Approved',
      reason: APPROVED_REASON,
      message: `kubectl-certs approve-serving: every check passed (${d.checks
        .filter((c) => c.outcome === 'pass')
        .map((c) => c.id)
        .join(', ')})`,
    };
  }
  const failing = d.checks.filter((c) => c.outcome === 'fail').map((c) => `${c.id}: ${c.message}`);
  return {
    type: 'Denied',
    reason: DENIED_REASON,
    message: `kubectl-certs approve-serving refused it: ${failing.join('; ')}`,
  };
}

/**
 * Appends the Approved/Denied condition through the approval subresource. 429/5xx are retried;
 * a 409 (someone changed the CSR meanwhile) is returned to the caller to re-read and decide again.
 */
export async function writeDecision(
  client: ApproveClient,
  csr: V1CertificateSigningRequest,
  d: Decision,
  timeoutMs: number,
): Promise<void> {
  const c = conditionFor(d);
  const body: V1CertificateSigningRequest = {
    ...csr,
    status: {
      ...csr.status,
      conditions: [
        ...(csr.status?.conditions ?? []),
        { type: c.type, status: 'True', reason: c.reason, message: c.message, lastUpdateTime: new Date() },
      ],
    },
  };
  const name = csr.metadata?.name ?? '';
  return withRetry(() =>
    withTimeout(client.replaceApproval(name, body), timeoutMs, `writing the decision on ${name}`),
  );
}
