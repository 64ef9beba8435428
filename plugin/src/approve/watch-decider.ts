import {
  type Decision,
  isPendingKubeletServing,
  mayChangeWithNode,
  requesterNode,
} from '@kubectl-certs/core';
import pLimit from 'p-limit';
import type { CsrItem } from '../kube/csr-objects.ts';
import { act } from './act.ts';
import type { ApproveClient } from './approve-client.ts';
import { gatherAndDecide } from './gather.ts';
import { errorRow, firstLine, type ReportItem } from './report-item.ts';
import type { ApproveSettings } from './settings.ts';

/** How long --watch keeps asking again: backoff for undecided CSRs, the window for refused ones. */
export interface WatchTuning {
  /** First wait before asking again about an undecided CSR (or one whose write failed); doubles. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** A refusal that may change with its Node is re-evaluated on Node changes for this long... */
  recheckWindowMs: number;
  /** ...and at most this many times. */
  recheckMax: number;
}

export const DEFAULT_TUNING: WatchTuning = {
  retryBaseMs: 1_000,
  retryMaxMs: 60_000,
  recheckWindowMs: 15 * 60_000,
  recheckMax: 10,
};

export interface DeciderSettings extends ApproveSettings {
  tuning: WatchTuning;
  /** Every row, as it is acted on (the CSR's latest object beside it); a promise returned is waited for (backpressure). */
  onItem: (row: ReportItem, item: CsrItem) => unknown;
  log: (line: string) => void;
}

type State = 'queued' | 'retrying' | 'awaiting-node' | 'done';

interface Tracked {
  item: CsrItem;
  state: State;
  attempts: number;
  rechecks: number;
  awaitingSince?: number;
  /** The re-evaluation window is over: a refusal now is final (and denied with --deny). */
  final: boolean;
  /** The next retry. */
  timer?: NodeJS.Timeout;
  /** The end of the re-evaluation window. */
  windowTimer?: NodeJS.Timeout;
}

/**
 * The deciding half of --watch and of the approver, fed by watch events: decides each pending
 * kubelet-serving CSR, and marks it done only once it was acted on. An undecided CSR (or one whose
 * write failed) is asked about again with backoff; a refusal that may change with its Node waits
 * for Node changes (bounded in time and count) before it is final. Batches are decided one at a
 * time; their writes share `concurrency` slots, so the next batch is decided while they finish.
 */
export class WatchDecider {
  private readonly tracked = new Map<string, Tracked>();
  /** When each Node last changed, by a sequence number: a decision made from an older view of it is stale. */
  private readonly nodeChanges = new Map<string, number>();
  private changeSeq = 0;
  private readonly due = new Set<string>();
  private queue: Promise<void> = Promise.resolve();
  private stopped = false;
  /** Writes of every batch share these slots: a batch is decided while the last one's writes finish. */
  private readonly writes: ReturnType<typeof pLimit>;
  /** CSRs decided and not yet acted on: never in two batches at once. */
  private readonly acting = new Map<string, Promise<void>>();
  /** When the approval or denial before the last one was written (this.now()), and the last one. */
  private wroteBefore = Number.NEGATIVE_INFINITY;
  private lastWrote = Number.NEGATIVE_INFINITY;

  private readonly client: ApproveClient;
  private readonly s: DeciderSettings;
  private readonly now: () => number;

  constructor(client: ApproveClient, s: DeciderSettings, now: () => number = Date.now) {
    this.client = client;
    this.s = s;
    this.now = now;
    this.writes = pLimit(s.concurrency);
  }

  /** CSRs from a list or a watch event: new pending ones are decided, known ones updated. */
  offer(items: readonly CsrItem[]): Promise<void> {
    for (const item of items) {
      const uid = uidOf(item);
      const t = this.tracked.get(uid);
      if (!this.pendingAndSelected(item)) {
        if (t) this.settle(uid, t);
        continue;
      }
      if (t) t.item = item;
      else {
        this.tracked.set(uid, { item, state: 'queued', attempts: 0, rechecks: 0, final: false });
        this.due.add(uid);
      }
    }
    return this.flush();
  }

  /** A CSR was deleted: forget it. */
  forget(item: CsrItem): void {
    const uid = uidOf(item);
    const t = this.tracked.get(uid);
    if (t) cancelTimers(t);
    this.tracked.delete(uid);
    this.due.delete(uid);
  }

  /** The Node `name` appeared or changed its addresses: its refused CSRs are evaluated again. */
  nodeChanged(name: string): Promise<void> {
    this.nodeChanges.set(name, ++this.changeSeq);
    for (const [uid, t] of this.tracked)
      if (t.state === 'awaiting-node' && requesterNode(t.item.request) === name) {
        t.rechecks++;
        if (t.rechecks >= this.s.tuning.recheckMax) t.final = true;
        this.enqueue(uid, t);
      }
    return this.flush();
  }

  /** Waits for the batches in flight and their writes; with `stop`, cancels every scheduled retry first. */
  async idle(stop = false): Promise<void> {
    if (stop) {
      this.stopped = true;
      for (const t of this.tracked.values()) cancelTimers(t);
    }
    for (;;) {
      await this.queue;
      if (this.acting.size === 0) return;
      await Promise.all(this.acting.values());
    }
  }

  /**
   * Whether CSRs are waiting to be decided or written now, or, with `quietMs`, a burst is going on:
   * the last two approvals (or denials) were written less than `quietMs` ago (a decider that keeps
   * up with a burst is idle between two CSRs for milliseconds). A lone decision is no burst.
   */
  busy(quietMs = 0): boolean {
    if (this.acting.size > 0 || (this.due.size > 0 && !this.stopped)) return true;
    return this.now() - this.wroteBefore < quietMs;
  }

  /** Counts by state, for tests and the approver's metrics. */
  counts(): Record<State, number> {
    const out: Record<State, number> = { queued: 0, retrying: 0, 'awaiting-node': 0, done: 0 };
    for (const t of this.tracked.values()) out[t.state]++;
    return out;
  }

  private pendingAndSelected(i: CsrItem): boolean {
    const r = i.request;
    const selected = this.s.selection.all || this.s.selection.nodes.includes(requesterNode(r) ?? '');
    return isPendingKubeletServing(r) && selected;
  }

  /** Decided by someone else (or by us, seen in the watch): nothing more to do. */
  private settle(uid: string, t: Tracked): void {
    cancelTimers(t);
    t.state = 'done';
    this.due.delete(uid);
  }

  private enqueue(uid: string, t: Tracked): void {
    clearTimeout(t.timer);
    t.state = 'queued';
    this.due.add(uid);
  }

  /** Decides what is due; the promise settles once that batch (or, with nothing due, all in flight) was acted on. */
  private flush(): Promise<void> {
    if (this.due.size === 0 || this.stopped)
      return this.queue.then(() => Promise.all(this.acting.values())).then(() => {});
    let acted: Promise<unknown> = Promise.resolve();
    this.queue = this.queue.then(async () => {
      acted = (await this.decideDue()).acted;
    });
    return this.queue.then(() => acted).then(() => {});
  }

  /** Gathers and decides one batch; its writes go on after this returns (`acted`). */
  private async decideDue(): Promise<{ acted: Promise<unknown> }> {
    const none = { acted: Promise.resolve() };
    // One still being acted on waits in `due` for the next batch (flushed when its write is done).
    const batch = [...this.due]
      .filter((uid) => !this.acting.has(uid))
      .map((uid) => [uid, this.tracked.get(uid)] as const)
      .filter((e): e is readonly [string, Tracked] => e[1]?.state === 'queued');
    for (const [uid] of batch) this.due.delete(uid);
    for (const uid of [...this.due]) if (this.tracked.get(uid)?.state !== 'queued') this.due.delete(uid);
    if (batch.length === 0 || this.stopped) return none;
    // Node changes seen after this point were not in the gathered Nodes.
    const seen = this.changeSeq;
    let result: Awaited<ReturnType<typeof gatherAndDecide>>;
    try {
      result = await gatherAndDecide(
        this.client,
        batch.map(([, t]) => t.item),
        this.s.options,
        this.s.timeoutMs,
      );
    } catch (e) {
      this.s.log(`deciding ${batch.length} CSRs failed: ${firstLine(e)}; asking again later`);
      for (const [uid, t] of batch) this.retry(uid, t);
      return none;
    }
    // Not awaited here: the next batch is gathered and decided while these writes are in flight.
    const acted = batch.map(([uid, t], k) => {
      const acted = this.writes(() =>
        this.handle(uid, t, result.decisions[k] as Decision, result.gathered, seen),
      )
        .catch((e: unknown) => this.s.log(`acting on ${t.item.request.name} failed: ${firstLine(e)}`))
        .finally(() => {
          this.acting.delete(uid);
          if (this.due.has(uid)) void this.flush();
        });
      this.acting.set(uid, acted);
      return acted;
    });
    return { acted: Promise.all(acted) };
  }

  /** Acts on one decision; whatever happens (even a throw), the others of the batch go on. */
  private async handle(
    uid: string,
    t: Tracked,
    d: Decision,
    gathered: Parameters<typeof act>[3],
    seen: number,
  ): Promise<void> {
    const wait = d.decision === 'refuse' && mayChangeWithNode(d) && !this.windowOver(t);
    let row: ReportItem;
    try {
      row = await act(this.client, t.item, d, gathered, wait ? { ...this.s, deny: false } : this.s);
    } catch (e) {
      row = errorRow(t.item, d, firstLine(e));
    }
    if (row.action === 'approved' || row.action === 'denied') {
      this.wroteBefore = this.lastWrote;
      this.lastWrote = this.now();
    }
    try {
      await this.s.onItem(row, t.item);
    } catch (e) {
      this.s.log(`reporting ${row.name} failed: ${firstLine(e)}`);
    }
    if (this.tracked.get(uid) !== t) return; // deleted meanwhile
    if (row.action === 'cannot decide now' || row.action === 'error') this.retry(uid, t);
    else if (row.action === 'left pending' && wait) {
      this.awaitNode(uid, t);
      // Its Node appeared or changed while it was being decided from the older list: at once again.
      const node = requesterNode(t.item.request) ?? '';
      if ((this.nodeChanges.get(node) ?? 0) > seen) void this.nodeChanged(node);
    } else this.settle(uid, t);
  }

  private windowOver(t: Tracked): boolean {
    if (t.final) return true;
    return t.awaitingSince !== undefined && this.now() - t.awaitingSince >= this.s.tuning.recheckWindowMs;
  }

  private retry(uid: string, t: Tracked): void {
    if (this.stopped) return;
    const { retryBaseMs, retryMaxMs } = this.s.tuning;
    const ms = Math.min(retryBaseMs * 2 ** t.attempts++, retryMaxMs);
    t.state = 'retrying';
    this.s.log(`${t.item.request.name}: asking again in ${Math.round(ms / 100) / 10}s`);
    t.timer = setTimeout(() => {
      this.enqueue(uid, t);
      void this.flush();
    }, ms);
  }

  private awaitNode(uid: string, t: Tracked): void {
    if (this.stopped) return;
    const node = requesterNode(t.item.request) ?? '?';
    t.state = 'awaiting-node';
    t.attempts = 0;
    if (t.awaitingSince === undefined) {
      t.awaitingSince = this.now();
      const { recheckWindowMs, recheckMax } = this.s.tuning;
      this.s.log(
        `${t.item.request.name}: refused; evaluated again when Node ${node} changes (within ${recheckWindowMs / 1000}s, at most ${recheckMax} times)`,
      );
      // When the window closes, one last evaluation makes the refusal final.
      t.windowTimer = setTimeout(() => {
        t.final = true;
        this.enqueue(uid, t);
        void this.flush();
      }, recheckWindowMs);
    }
  }
}

function cancelTimers(t: Tracked): void {
  clearTimeout(t.timer);
  clearTimeout(t.windowTimer);
}

function uidOf(i: CsrItem): string {
  return i.object.metadata?.uid ?? i.request.name;
}
