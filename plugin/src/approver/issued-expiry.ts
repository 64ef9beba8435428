import { parseCertificate } from '@kubectl-certs/core';
import type { V1CertificateSigningRequest } from '@kubernetes/client-node';
import { APPROVED_REASON } from '../approve/write-decision.ts';

/** How long a read waits for approvals to be idle, and then at most this much longer. */
const READ_AFTER_MS = 1_000;
const READ_AT_LATEST_MS = 30_000;

/**
 * The notAfter of the certificate issued for each CSR we approved, per node (a gauge). Parsing a
 * certificate is the costliest step of a watch event, and a burst of approvals brings one per CSR:
 * they are kept as text and read a second later, when approvals are idle (within 30 s), the
 * latest per node only.
 */
export class IssuedExpiry {
  private readonly unread = new Map<string, string>();
  private since: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly set: (node: string, notAfterSeconds: number) => void;
  private readonly busy: () => boolean;

  constructor(set: (node: string, notAfterSeconds: number) => void, busy: () => boolean) {
    this.set = set;
    this.busy = busy;
  }

  /** A CSR from the list or the watch: remembered when it carries a certificate for one we approved. */
  record(o: V1CertificateSigningRequest): void {
    const ours = (o.status?.conditions ?? []).some(
      (c) => c.type === 'Approved' && c.reason === APPROVED_REASON,
    );
    const node = (o.spec.username ?? '').replace(/^system:node:/, '');
    if (!ours || !o.status?.certificate || !node) return;
    this.unread.set(node, o.status.certificate);
    this.since ??= Date.now();
    this.timer ??= setTimeout(() => this.readWhenIdle(), READ_AFTER_MS).unref();
  }

  /** Reads every certificate not read yet. */
  readNow(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.since = undefined;
    for (const [node, certificate] of this.unread) {
      try {
        const cert = parseCertificate(Buffer.from(certificate, 'base64').toString('latin1'));
        this.set(node, cert.notAfter.getTime() / 1000);
      } catch {
        // A certificate the signer wrote that we cannot read says nothing about expiry.
      }
    }
    this.unread.clear();
  }

  private readWhenIdle(): void {
    this.timer = undefined;
    if (this.busy() && Date.now() - (this.since ?? 0) < READ_AT_LATEST_MS)
      this.timer = setTimeout(() => this.readWhenIdle(), READ_AFTER_MS).unref();
    else this.readNow();
  }
}
