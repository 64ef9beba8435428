import type { V1CertificateSigningRequest } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { ReportItem } from '../src/approve/report-item.ts';
import { EVENT_REASON, eventFor } from '../src/approver/events.ts';
import { renewalEvent } from '../src/approver/serving-renewal.ts';
import { toCsrItem } from '../src/kube/csr-objects.ts';

function csr(name: string, uid: string) {
  return toCsrItem({
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: { name, uid, resourceVersion: '7' },
    spec: { request: '', signerName: 'kubernetes.io/kubelet-serving', usages: [] },
  } as V1CertificateSigningRequest);
}

const approved: ReportItem = {
  name: 'csr-a',
  node: 'worker-1',
  requester: 'system:node:worker-1',
  sans: ['DNS:worker-1'],
  decision: 'approve',
  action: 'approved',
  reason: 'every check passed',
  checks: [{ id: 'subject', outcome: 'pass', message: 'ok' }],
};
const refused: ReportItem = {
  ...approved,
  decision: 'refuse',
  action: 'left pending',
  checks: [{ id: 'ip-sans', outcome: 'fail', message: 'IP SAN 198.19.0.2 is not an InternalIP' }],
};
const refusedOtherwise: ReportItem = {
  ...refused,
  checks: [{ id: 'node-exists', outcome: 'fail', message: 'no Node worker-1' }],
};

const t1 = new Date('2026-12-01T10:00:00Z');
const t2 = new Date('2026-12-01T10:05:00Z');
const nameOf = (row: ReportItem, item = csr('csr-a', 'uid-1'), instance = 'replica-a', now = t1) =>
  eventFor(row, item, instance, now)?.metadata?.name;

describe('the Event of a decision: one per CSR and decision, whoever records it', () => {
  it.each([
    ['an approval', approved],
    ['a refusal', refused],
  ])('%s recorded by another replica, later (a new leader after a failover), has the same name', (_, row) => {
    expect(nameOf(row)).toMatch(/^csr-a\./);
    expect(nameOf(row, csr('csr-a', 'uid-1'), 'replica-b', t2)).toBe(nameOf(row));
  });

  it.each([
    ['approved after being refused', approved, refused],
    ['refused for another check', refusedOtherwise, refused],
  ])('another outcome of the same CSR is another Event: %s', (_, row, before) => {
    expect(nameOf(row)).not.toBe(nameOf(before));
  });

  it('a CSR deleted and filed again under the same name (another uid) gets Events of its own', () => {
    expect(nameOf(refused, csr('csr-a', 'uid-2'))).not.toBe(nameOf(refused));
  });

  it.each([
    ['of 253 characters', `csr-${'x'.repeat(249)}`],
    ['cut where a dash is', `${'a'.repeat(235)}-${'b'.repeat(17)}`],
    ['cut where a dot is', `${'a'.repeat(235)}.${'b'.repeat(17)}`],
  ])('the name is the CSR’s, then a hash: a valid object name for a CSR name %s', (_, long) => {
    const name = nameOf(approved, csr(long, 'uid-1')) as string;
    expect(name.length).toBeLessThanOrEqual(253);
    expect(name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/);
  });

  it('the name of a short CSR’s Event is its name, a dot and 16 hex digits', () => {
    expect(nameOf(approved)).toMatch(/^csr-a\.[0-9a-f]{16}$/);
  });

  it('says who decided in reportingInstance, with the reason of the decision', () => {
    expect(eventFor(refused, csr('csr-a', 'uid-1'), 'replica-b', t2)).toMatchObject({
      reason: EVENT_REASON.refused,
      reportingInstance: 'replica-b',
      involvedObject: { kind: 'CertificateSigningRequest', name: 'csr-a', uid: 'uid-1' },
    });
  });
});

describe("the approver's Events, of decisions and of renewals, in one frame", () => {
  it('both are in default, from kubectl-certs-approver and the replica, with a message of at most 1 KiB', () => {
    const round = {
      apiService: { name: 'v1beta1.metrics.k8s.io', uid: 'uid-a' },
      step: { action: 'issue-serving', reason: 'x'.repeat(2000) },
      wrote: ['Secret kube-system/metrics-server-tls'],
    } as Parameters<typeof renewalEvent>[0];
    const frame = (e: ReturnType<typeof renewalEvent> | undefined) => ({
      namespace: e?.metadata?.namespace,
      source: e?.source?.component,
      reportingComponent: e?.reportingComponent,
      reportingInstance: e?.reportingInstance,
      firstTimestamp: e?.firstTimestamp,
      count: e?.count,
    });
    const decision = eventFor(refused, csr('csr-a', 'uid-1'), 'replica-a', t1);
    const renewal = renewalEvent(round, 'replica-a', t1);
    expect(frame(renewal)).toEqual(frame(decision));
    expect(frame(renewal)).toMatchObject({
      namespace: 'default',
      reportingComponent: 'kubectl-certs-approver',
    });
    expect(renewal.message?.length).toBe(1024);
    expect(renewal).toMatchObject({
      metadata: { generateName: 'v1beta1.metrics.k8s.io.' },
      involvedObject: { kind: 'APIService', name: 'v1beta1.metrics.k8s.io', uid: 'uid-a' },
      reason: 'KubectlCertsMetricsServerTls',
    });
  });
});
