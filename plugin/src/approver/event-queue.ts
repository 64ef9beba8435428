import { setTimeout as sleep } from 'node:timers/promises';

/** Event writes at once (while no approval is being written). */
export const EVENT_CONCURRENCY = 4;
/** An Event added to this many waiting is written even while approvals are busy, and its caller waits for it. */
export const EVENT_QUEUE_MAX = 2_000;
/** How often a queue held back by busy approvals looks again. */
const BUSY_POLL_MS = 50;

type Write = () => Promise<void>;

/**
 * The approver's Event writes, off the approvals' critical path: a decision is written first and
 * its Event queued, one per decision. Events wait while approval writes are busy (an Event doubles
 * the API server's work per CSR, and in a burst it delayed the approvals behind it by seconds), and
 * are written a few at a time once they are not; a full queue is written anyway and slows the
 * decider down instead of dropping Events. A write reports its own failure (an Event is a report,
 * not a decision).
 */
export class EventQueue {
  private readonly waiting: { write: Write; done: () => void }[] = [];
  private running = 0;
  /** How many at the head of the queue are written even while approvals are busy. */
  private mustWrite = 0;
  private polling = false;
  private readonly busy: () => boolean;
  private readonly max: number;
  private drained: Promise<void> = Promise.resolve();
  private wake: (() => void) | undefined;

  constructor(busy: () => boolean = () => false, max = EVENT_QUEUE_MAX) {
    this.busy = busy;
    this.max = max;
  }

  /** Queues one write; resolves at once, or when the queue is full only once this one is written. */
  add(write: Write): Promise<void> {
    if (!this.wake) this.drained = new Promise((r) => (this.wake = r));
    const done = new Promise<void>((resolve) => this.waiting.push({ write, done: resolve }));
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

  private pump(): void {
    while (this.running < EVENT_CONCURRENCY && this.waiting.length) {
      if (this.mustWrite === 0 && this.busy()) {
        this.pollLater();
        return;
      }
      const next = this.waiting.shift() as { write: Write; done: () => void };
      this.mustWrite = Math.max(0, this.mustWrite - 1);
      this.running++;
      void next
        .write()
        .catch(() => {})
        .finally(() => {
          this.running--;
          next.done();
          this.pump();
        });
    }
    if (this.running === 0 && this.waiting.length === 0) {
      this.wake?.();
      this.wake = undefined;
    }
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
