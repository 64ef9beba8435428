/** A kubelet-serving CSR as the approver sees it among the others of its node. */
export interface PendingCsr {
  /** Already approved: it still supersedes older requests for the same names, but is not decided again. */
  approved?: boolean;
  name: string;
  node: string;
  /** Its SANs as formatSans writes them ("DNS:x", "IP:y"), in any order. */
  sans: readonly string[];
  /** metadata.creationTimestamp in ms (whole seconds: two CSRs of one second tie)... */
  created: number;
  /** ...so ties are broken by this: the order the caller saw them in (higher is newer). */
  seen: number;
}

export interface Superseded {
  name: string;
  /** The newer CSR of the same node and the same SANs. */
  by: string;
}

export interface Crowding {
  /** Older CSRs of a node for which a newer one asks the same names: no need to sign both. */
  superseded: Superseded[];
  /** CSRs of a node that has more than `cap` pending, beyond the newest `cap`: not decided now. */
  capped: string[];
}

const newestFirst = (a: PendingCsr, b: PendingCsr) => b.created - a.created || b.seen - a.seen;

/**
 * Newest CSR per node wins: of the CSRs of one node asking for the same SANs, only the newest is
 * decided; the older pending ones are superseded (a kubelet that restarted mid-rotation files
 * again, and the older request's key may be gone), also once the newest was approved. A node with
 * more distinct pending requests than `cap` has only its newest `cap` decided: a flood from one
 * node identity stops there.
 */
export function crowding(pending: readonly PendingCsr[], cap: number): Crowding {
  const byNode = new Map<string, PendingCsr[]>();
  for (const p of pending) {
    const mine = byNode.get(p.node);
    if (mine) mine.push(p);
    else byNode.set(p.node, [p]);
  }
  const superseded: Superseded[] = [];
  const capped: string[] = [];
  for (const csrs of byNode.values()) {
    const winners = new Map<string, PendingCsr>();
    for (const c of [...csrs].sort(newestFirst)) {
      const key = [...c.sans].sort().join(',');
      const newer = winners.get(key);
      if (!newer) winners.set(key, c);
      else if (!c.approved) superseded.push({ name: c.name, by: newer.name });
    }
    capped.push(
      ...[...winners.values()]
        .filter((c) => !c.approved)
        .slice(cap)
        .map((c) => c.name),
    );
  }
  return { superseded, capped };
}
