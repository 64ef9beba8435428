import { crowding, formatSans, type PendingCsr, parseRequest, requesterNode } from '@kubectl-certs/core';
import type { V1CertificateSigningRequest } from '@kubernetes/client-node';
import { type CsrItem, toCsrItem } from '../kube/csr-objects.ts';

const SIGNER = 'kubernetes.io/kubelet-serving';

export interface Plan {
  /** Pending CSRs to hand to the decider now. */
  decide: CsrItem[];
  /** Newly superseded: an older request of a node for the same names. */
  superseded: { item: CsrItem; by: string }[];
  /** Newly held back by the per-node cap. */
  capped: CsrItem[];
  /** Every CSR held back now (superseded or capped): the decider must not keep them. */
  held: CsrItem[];
}

/**
 * The kubelet-serving CSRs the approver knows of, from its list and watch, and which of the pending
 * ones to decide: newest per node and SANs, within the per-node cap (core's crowding). A CSR held
 * back by the cap is decided as soon as the cap releases it, not only at the next list.
 */
export class PendingCsrs {
  private readonly items = new Map<string, CsrItem>();
  /** Node and SANs, parsed once per CSR (spec.request never changes; a burst re-reads them all). */
  private readonly facts = new Map<string, PendingCsr | undefined>();
  /** The order CSRs were first seen in: the watch delivers them in resourceVersion order. */
  private readonly seen = new Map<string, number>();
  private held = new Set<string>();

  /** A (re)list: exactly these objects. */
  replaceAll(objects: readonly V1CertificateSigningRequest[]): void {
    this.items.clear();
    for (const o of objects) this.upsert(o);
    for (const key of [...this.facts.keys()]) if (!this.items.has(key)) this.facts.delete(key);
  }

  /** An ADDED or MODIFIED object; the CSR as the decider sees it, or undefined when not ours. */
  upsert(o: V1CertificateSigningRequest): CsrItem | undefined {
    if (o.spec.signerName !== SIGNER) return undefined;
    const key = uidOf(o);
    if (!this.seen.has(key)) this.seen.set(key, this.seen.size);
    const item = toCsrItem(o);
    this.items.set(key, item);
    return item;
  }

  remove(o: V1CertificateSigningRequest): void {
    const key = uidOf(o);
    this.items.delete(key);
    this.facts.delete(key);
    this.held.delete(key);
  }

  pending(): CsrItem[] {
    return [...this.items.values()].filter((i) => stateOf(i) === 'pending');
  }

  /** What to decide after `changed` (or everything, at a list or on becoming leader). */
  plan(cap: number, changed: readonly CsrItem[] | 'all'): Plan {
    const pending = this.pending();
    const byName = new Map(pending.map((i) => [i.request.name, i]));
    // Approved ones count too: a CSR older than the one approved for the same names stays superseded.
    const facts = [...this.items.values()].flatMap((i) => {
      const state = stateOf(i);
      const f = state === 'final' ? undefined : this.factsOf(i);
      return f ? [state === 'approved' ? { ...f, approved: true } : f] : [];
    });
    const crowd = crowding(facts, cap);
    const superseded = crowd.superseded.map((x) => ({ item: byName.get(x.name) as CsrItem, by: x.by }));
    const capped = crowd.capped.map((n) => byName.get(n) as CsrItem);
    const heldNow = new Set([
      ...superseded.map((x) => uidOf(x.item.object)),
      ...capped.map((i) => uidOf(i.object)),
    ]);
    const released = pending.filter((i) => this.held.has(uidOf(i.object)) && !heldNow.has(uidOf(i.object)));
    const wanted = changed === 'all' ? pending : [...changed, ...released];
    const plan: Plan = {
      decide: wanted.filter((i) => !heldNow.has(uidOf(i.object))),
      superseded: superseded.filter((x) => !this.held.has(uidOf(x.item.object))),
      capped: capped.filter((i) => !this.held.has(uidOf(i.object))),
      held: [...superseded.map((x) => x.item), ...capped],
    };
    this.held = heldNow;
    return plan;
  }

  private factsOf(i: CsrItem): PendingCsr | undefined {
    const key = uidOf(i.object);
    if (!this.facts.has(key)) {
      const p = parseRequest(i.request);
      const node = requesterNode(i.request);
      this.facts.set(
        key,
        p.ok && node
          ? {
              name: i.request.name,
              node,
              sans: formatSans(p.value.sans),
              created: i.created?.getTime() ?? 0,
              seen: this.seen.get(key) ?? 0,
            }
          : undefined,
      );
    }
    return this.facts.get(key);
  }
}

/** Approved (it may supersede), Denied or Failed (out of the picture), or still pending. */
function stateOf(i: CsrItem): 'pending' | 'approved' | 'final' {
  const types = i.request.conditions.map((c) => c.type);
  if (types.some((t) => t === 'Denied' || t === 'Failed')) return 'final';
  return types.includes('Approved') ? 'approved' : 'pending';
}

function uidOf(o: V1CertificateSigningRequest): string {
  return o.metadata?.uid ?? o.metadata?.name ?? '';
}
