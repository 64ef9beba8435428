import pLimit from 'p-limit';

/** Event writes at once: fewer than approval writes, so that approvals keep the API server's attention. */
export const EVENT_CONCURRENCY = 2;
/** Events waiting beyond this make the caller wait for its own (backpressure, nothing dropped). */
export const EVENT_QUEUE_MAX = 2_000;

/**
 * The approver's Event writes, off the approval's critical path: a decision is written first and
 * its Event queued, one per decision, written a few at a time. A failed write is logged (an Event
 * is a report, not a decision); a full queue slows the decider down instead of dropping Events.
 */
export class EventQueue {
  private readonly limit = pLimit(EVENT_CONCURRENCY);
  private readonly inFlight = new Set<Promise<void>>();

  private readonly max: number;

  constructor(max = EVENT_QUEUE_MAX) {
    this.max = max;
  }

  /** Queues one write (that reports its own failure); resolves at once, or when the queue is full only once this one is written. */
  add(write: () => Promise<void>): Promise<void> {
    const done = this.limit(write);
    this.inFlight.add(done);
    const forget = () => this.inFlight.delete(done);
    done.then(forget, forget);
    return this.limit.pendingCount >= this.max ? done : Promise.resolve();
  }

  /** Waits until every queued Event was written (or failed). */
  async idle(): Promise<void> {
    await Promise.all([...this.inFlight]);
  }
}
