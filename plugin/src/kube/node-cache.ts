import type { NodeFacts } from '@kubectl-certs/core';
import { UserError } from '../user-error.ts';

/** How long a Node watch may be down before its cache is too old to decide from. */
export const NODE_CACHE_STALE_MS = 30_000;

/**
 * The Nodes as the last list and the watch since have them (client-go's informer cache), read by
 * every batch instead of listing all Nodes again. Fail-closed: until the first list, or while the
 * watch has been down longer than NODE_CACHE_STALE_MS, reading it throws, so the checks that need
 * Nodes are undecided, never refused.
 */
export class NodeCache {
  private readonly nodes = new Map<string, NodeFacts>();
  /** The same array until a Node changes: core indexes a Node list once per array. */
  private snapshot: NodeFacts[] | undefined;
  private listed = false;
  private downSince: number | undefined;
  private lastError: string | undefined;
  private readonly now: () => number;
  private attempt!: () => void;
  /** Settles once the first list has worked or failed: deciding before that would only be undecided. */
  readonly firstAttempt = new Promise<void>((resolve) => {
    this.attempt = resolve;
  });

  constructor(now: () => number = Date.now) {
    this.now = now;
  }

  /** A (re)list: exactly these Nodes. Returns the names whose addresses are new or changed. */
  replaceAll(nodes: readonly NodeFacts[]): string[] {
    const before = new Map(this.nodes);
    this.nodes.clear();
    const changed = nodes.filter((n) => !sameAddresses(before.get(n.name), n));
    for (const n of nodes) this.nodes.set(n.name, n);
    this.snapshot = undefined;
    this.listed = true;
    this.downSince = undefined;
    this.lastError = undefined;
    this.attempt();
    return changed.map((n) => n.name);
  }

  /** An ADDED or MODIFIED Node; true when it is new or its addresses changed. */
  upsert(n: NodeFacts): boolean {
    const changed = !sameAddresses(this.nodes.get(n.name), n);
    if (changed) {
      this.nodes.set(n.name, n);
      this.snapshot = undefined;
    }
    return changed;
  }

  remove(name: string): void {
    if (this.nodes.delete(name)) this.snapshot = undefined;
  }

  /** Whether the watch is open; while it is not, the cache ages. */
  live(isLive: boolean): void {
    if (isLive) this.downSince = undefined;
    else this.downSince ??= this.now();
  }

  /** Listing failed (a message starting "listing Nodes: "): said when the cache cannot be read. */
  failed(message: string): void {
    this.lastError = message;
    this.attempt();
  }

  /** Every Node, or a UserError saying why the cache cannot be trusted now. */
  list(): NodeFacts[] {
    if (!this.listed)
      throw new UserError(
        this.lastError ?? 'listing Nodes: the Node cache is not synced yet (first list in progress)',
      );
    if (this.downSince !== undefined && this.now() - this.downSince > NODE_CACHE_STALE_MS)
      throw new UserError(
        `listing Nodes: the watch of Nodes has been down for ${Math.round((this.now() - this.downSince) / 1000)}s${this.lastError ? ` (${this.lastError})` : ''}`,
      );
    this.snapshot ??= [...this.nodes.values()];
    return this.snapshot;
  }
}

function sameAddresses(a: NodeFacts | undefined, b: NodeFacts): boolean {
  return a !== undefined && JSON.stringify(a.addresses) === JSON.stringify(b.addresses);
}
