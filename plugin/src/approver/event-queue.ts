import { setTimeout as sleep } from 'node:timers/promises';

/** Event writes at once (while no approval is being written). */
export const EVENT_CONCURRENCY = 4;
/** An Event added to this many waiting is written even while approvals are busy, and its caller waits for it. */
export const EVENT_QUEUE_MAX = 2_000;
/** An Event waits at most this long for busy approvals: a steady stream of CSRs never starves them. */
export const EVENT_HOLD_MAX_MS = 30_000;
/**
 * Once leading has ended, the queued Events are still written (each records a decision already
 * written), for at most this long and this many: the API server may be why the Lease was lost, and
 * a new leader is starting on it. A new leader never records one twice (the names are deterministic).
 */
export const EVENT_FLUSH_MS = 5_000;
export const EVENT_FLUSH_MAX = 500;
/** How often a queue held back by busy approvals looks again. */
const BUSY_POLL_MS = 50;

/** One Event write; `signal` aborts once the flush's bound is over (no further try then). */
type Write = (signal: AbortSignal) => Promise<void>;
interface Queued {
  write: Write;
  stop: AbortController;
  done: () => void;
  /** When it was queued (performance.now()). */
  at: number;
  /** What the Event is of, for the log when it is not written (e.g. "csr-a KubectlCertsApproved"). */
  what: string;
}

/**
 * The approver's Event writes, off the approvals' critical path: a decision is written first and
 * its Event queued, one per decision. Events wait while approval writes are busy (an Event doubles
 * the API server's work per CSR, and in a burst it delayed the approvals behind it by seconds), and
 * are written a few at a time once they are not; one held for `holdMaxMs` is written anyway, and a
 * full queue is written anyway and slows the decider down instead of dropping Events. When leading
 * ends, `flush` writes what is left within a bound, and `unwritten` says what was not. A write
 * reports its own failure (an Event is a report, not a decision).
 */
export class EventQueue {
  private readonly waiting: Queued[] = [];
  private readonly running = new Set<Queued>();
  /** How many at the head of the queue are written even while approvals are busy. */
  private mustWrite = 0;
  /** While flushing: how many more may start (busy or not); undefined before. */
  private budget: number | undefined;
  private closed = false;
  private readonly dropped: string[] = [];
  private polling = false;
  private readonly busy: () => boolean;
  private readonly max: number;
  private readonly holdMaxMs: number;
  private drained: Promise<void> = Promise.resolve();
  private wake: (() => void) | undefined;

  constructor(busy: () => boolean = () => false, max = EVENT_QUEUE_MAX, holdMaxMs = EVENT_HOLD_MAX_MS) {
    this.busy = busy;
    this.max = max;
    this.holdMaxMs = holdMaxMs;
  }

  /** Queues one write; resolves at once, or when the queue is full only once this one is written. */
  add(write: Write, what = ''): Promise<void> {
    if (this.closed) {
      this.dropped.push(what);
      return Promise.resolve();
    }
    if (!this.wake) this.drained = new Promise((r) => (this.wake = r));
    const at = performance.now();
    const done = new Promise<void>((resolve) =>
      this.waiting.push({ write, stop: new AbortController(), done: resolve, what, at }),
    );
    const full = this.waiting.length >= this.max;
    // Its caller waits for it (the decider holds a write slot meanwhile): it and all before it go now.
    if (full) this.mustWrite = this.waiting.length;
    this.pump();
    return full ? done : Promise.resolve();
  }

  /** Waits until every queued Event was written (or failed). */
  idle(): Promise<void> {
    return this.drained;
  }

  /**
   * Leading has ended: writes what is queued, busy approvals or not, at most `max` more and for at
   * most `ms`; then drops the rest (and closes the queue: later Events are dropped too).
   */
  async flush(ms = EVENT_FLUSH_MS, max = EVENT_FLUSH_MAX): Promise<void> {
    this.budget = max;
    this.pump();
    await Promise.race([this.drained, sleep(ms, undefined, { ref: false })]);
    this.closed = true;
    // Still running: sent, but not known to be written. Every waiting caller is let go.
    const left = [...this.running, ...this.waiting.splice(0)];
    for (const q of this.running) q.stop.abort();
    this.running.clear();
    this.dropped.push(...left.map((q) => q.what));
    for (const q of left) q.done();
    this.pump();
  }

  /** What was not written (or not known to be) when the queue was flushed, in queue order. */
  unwritten(): readonly string[] {
    return this.dropped;
  }

  private pump(): void {
    while (this.running.size < EVENT_CONCURRENCY && this.waiting.length && this.budget !== 0) {
      if (this.budget === undefined && this.mustWrite === 0 && !this.heldTooLong() && this.busy()) {
        this.pollLater();
        return;
      }
      const next = this.waiting.shift() as Queued;
      this.mustWrite = Math.max(0, this.mustWrite - 1);
      if (this.budget !== undefined) this.budget--;
      this.running.add(next);
      void next
        .write(next.stop.signal)
        .catch(() => {})
        .finally(() => {
          if (!this.running.delete(next)) return; // flushed meanwhile: already reported
          next.done();
          this.pump();
        });
    }
    // Done: nothing left, or nothing more may start (the flush's count is spent).
    if (this.running.size === 0 && (this.waiting.length === 0 || this.budget === 0)) {
      this.wake?.();
      this.wake = undefined;
    }
  }

  private heldTooLong(): boolean {
    const head = this.waiting[0];
    return head !== undefined && performance.now() - head.at >= this.holdMaxMs;
  }

  private pollLater(): void {
    if (this.polling) return;
    this.polling = true;
    void sleep(BUSY_POLL_MS).then(() => {
      this.polling = false;
      this.pump();
    });
  }
}
