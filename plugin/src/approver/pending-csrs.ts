import {
  crowding,
  csrState,
  formatSans,
  KUBELET_SERVING_SIGNER,
  type PendingCsr,
  parseRequest,
  requesterNode,
} from '@kubectl-certs/core';
import type { V1CertificateSigningRequest } from '@kubernetes/client-node';
import { type CsrItem, toCsrItem } from '../kube/csr-objects.ts';
import type { PendingSummary } from './metrics.ts';

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
 * back by the cap is decided as soon as the cap releases it, not only at the next list. Crowding is
 * per node, so after a watch event only the nodes whose CSRs changed are looked at again (a burst
 * of n events costs n small plans, not n plans of every CSR).
 */
export class PendingCsrs {
  /** The pending CSRs, whole (the decider needs the object to write on). */
  private readonly items = new Map<string, CsrItem>();
  /**
   * Node and SANs, parsed once per CSR (spec.request never changes; a burst re-reads them all).
   * An approved CSR is kept as these facts alone: it only crowds out older ones, and 5,000 whole
   * objects idle were most of the approver's memory.
   */
  private readonly facts = new Map<string, PendingCsr | undefined>();
  private readonly approved = new Set<string>();
  /** The order CSRs were first seen in: the watch delivers them in resourceVersion order. */
  private readonly seen = new Map<string, number>();
  private seq = 0;
  /** The CSRs still in the picture (pending or approved), by node: what crowding reads. */
  private readonly byNode = new Map<string, Set<string>>();
  /** Nodes whose CSRs changed since the last plan. */
  private readonly dirty = new Set<string>();
  private held = new Set<string>();

  /** A (re)list: exactly these objects. */
  replaceAll(objects: readonly V1CertificateSigningRequest[]): void {
    const keep = new Set(objects.map(uidOf));
    for (const key of [...this.seen.keys()]) if (!keep.has(key)) this.removeKey(key);
    this.items.clear(); // the list's order is the order pending() gives
    for (const o of objects) this.upsert(o);
  }

  /**
   * A listed object as the list keeps it until replaceAll: a pending one whole (it is decided and
   * written on); any other reduced to what upsert reads of it, its facts parsed now. A list of
   * 5,000 whole objects held at once was the approver's peak of memory, and V8 keeps the heap it
   * grew to.
   */
  listed(o: V1CertificateSigningRequest): V1CertificateSigningRequest {
    const { name, uid, resourceVersion, creationTimestamp } = o.metadata ?? {};
    if (o.spec.signerName !== KUBELET_SERVING_SIGNER)
      return { metadata: { name, uid }, spec: { signerName: o.spec.signerName, request: '' } };
    const key = uidOf(o);
    const item = toCsrItem(o);
    const state = csrState(item.request);
    if (!this.seen.has(key)) this.seen.set(key, this.seq++); // in list order, as upsert would
    if (state === 'pending') return o;
    if (state === 'approved') this.factsOf(key, item);
    return {
      metadata: { name, uid, resourceVersion, creationTimestamp },
      spec: { signerName: o.spec.signerName, username: o.spec.username, request: '' },
      status: { conditions: o.status?.conditions ?? [] },
    };
  }

  /** An ADDED or MODIFIED object; the CSR as the decider sees it, or undefined when not ours. */
  upsert(o: V1CertificateSigningRequest): CsrItem | undefined {
    if (o.spec.signerName !== KUBELET_SERVING_SIGNER) return undefined;
    const key = uidOf(o);
    if (!this.seen.has(key)) this.seen.set(key, this.seq++);
    const item = toCsrItem(o);
    const state = csrState(item.request);
    // The same state as before (an approved CSR given its certificate): crowding has nothing new to read.
    const before = this.items.has(key) ? 'pending' : this.approved.has(key) ? 'approved' : undefined;
    if (state === 'pending') this.items.set(key, item);
    else this.items.delete(key);
    if (state === 'approved') this.approved.add(key);
    else this.approved.delete(key);
    const f = state === 'final' ? this.facts.get(key) : this.factsOf(key, item);
    if (f && state !== before) {
      const mine = this.byNode.get(f.node) ?? new Set<string>();
      if (state === 'final') mine.delete(key);
      else mine.add(key);
      if (mine.size) this.byNode.set(f.node, mine);
      else this.byNode.delete(f.node);
      this.dirty.add(f.node);
    }
    // Denied or Failed: out of the picture for good (conditions are never taken back).
    if (state === 'final') this.facts.set(key, undefined);
    return item;
  }

  remove(o: V1CertificateSigningRequest): void {
    this.removeKey(uidOf(o));
  }

  pending(): CsrItem[] {
    return [...this.items.values()];
  }

  /** How many are pending and the creation time (ms) of the oldest, for the gauges. */
  pendingSummary(): PendingSummary {
    let oldest = Number.POSITIVE_INFINITY;
    for (const i of this.items.values())
      oldest = Math.min(oldest, i.created?.getTime() ?? Number.POSITIVE_INFINITY);
    return { count: this.items.size, oldestCreatedMs: Number.isFinite(oldest) ? oldest : undefined };
  }

  /** What to decide after `changed` (or everything, at a list or on becoming leader). */
  plan(cap: number, changed: readonly CsrItem[] | 'all'): Plan {
    const nodes = changed === 'all' ? new Set(this.byNode.keys()) : new Set(this.dirty);
    this.dirty.clear();
    // Approved ones count too: a CSR older than the one approved for the same names stays superseded.
    const byName = new Map<string, CsrItem>();
    const facts: PendingCsr[] = [];
    for (const node of nodes)
      for (const key of this.byNode.get(node) ?? []) {
        const f = this.facts.get(key) as PendingCsr;
        const i = this.items.get(key);
        if (i) byName.set(i.request.name, i);
        facts.push(this.approved.has(key) ? { ...f, approved: true } : f);
      }
    const crowd = crowding(facts, cap);
    const superseded = crowd.superseded.map((x) => ({ item: byName.get(x.name) as CsrItem, by: x.by }));
    const capped = crowd.capped.map((n) => byName.get(n) as CsrItem);
    const heldNow = new Set([
      ...superseded.map((x) => uidOf(x.item.object)),
      ...capped.map((i) => uidOf(i.object)),
    ]);
    // Held before in a node looked at again and not now: released.
    const wasHeld = (key: string) => this.held.has(key) && nodes.has(this.facts.get(key)?.node ?? '');
    const released = [...this.held]
      .filter((key) => wasHeld(key) && !heldNow.has(key) && this.items.has(key))
      .map((key) => this.items.get(key) as CsrItem);
    const wanted = changed === 'all' ? this.pending() : [...changed, ...released];
    const stillHeld = new Set([...this.held].filter((key) => !nodes.has(this.facts.get(key)?.node ?? '')));
    for (const key of heldNow) stillHeld.add(key);
    const plan: Plan = {
      decide: wanted.filter((i) => !stillHeld.has(uidOf(i.object))),
      superseded: superseded.filter((x) => !this.held.has(uidOf(x.item.object))),
      capped: capped.filter((i) => !this.held.has(uidOf(i.object))),
      held: [...superseded.map((x) => x.item), ...capped],
    };
    this.held = stillHeld;
    return plan;
  }

  private removeKey(key: string): void {
    const node = this.facts.get(key)?.node;
    if (node !== undefined) {
      const mine = this.byNode.get(node);
      mine?.delete(key);
      if (mine?.size === 0) this.byNode.delete(node);
      this.dirty.add(node);
    }
    this.items.delete(key);
    this.facts.delete(key);
    this.approved.delete(key);
    this.seen.delete(key);
    this.held.delete(key);
  }

  private factsOf(key: string, i: CsrItem): PendingCsr | undefined {
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

function uidOf(o: V1CertificateSigningRequest): string {
  return o.metadata?.uid ?? o.metadata?.name ?? '';
}
