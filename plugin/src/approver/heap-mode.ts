export type HeapGoal = 'size' | 'speed';

/**
 * How long the approver goes without work before its heap is kept small again: longer than the
 * gaps within a burst of CSRs (a rotation wave, nodes joining), short against the hours it idles.
 */
export const HEAP_IDLE_MS = 10_000;

/**
 * What V8 optimises the approver's heap for. Idle (nearly always), for size: --optimize-for-size
 * makes full collections give memory back, which keeps 5,000 known CSRs and Nodes under 150 MB.
 * While it works, for speed: that flag also grows the old generation by small steps, so a burst
 * of 1,000 CSRs ran many more full collections and took about a fifth more of the approver's CPU,
 * CPU that two shared cores then lack for the API server (BENCHMARKS.md, approver-burst).
 */
export class HeapMode {
  private goal: HeapGoal = 'size';
  private timer: NodeJS.Timeout | undefined;
  private readonly apply: (goal: HeapGoal) => void;
  private readonly idleMs: number;

  constructor(apply: (goal: HeapGoal) => void, idleMs = HEAP_IDLE_MS) {
    this.apply = apply;
    this.idleMs = idleMs;
    apply('size');
  }

  /** Work came (a CSR to decide, a decision written): speed, until idleMs pass without any. */
  working(): void {
    if (this.goal === 'size') {
      this.goal = 'speed';
      this.apply('speed');
    }
    if (this.timer) this.timer.refresh();
    else this.timer = setTimeout(() => this.idle(), this.idleMs).unref();
  }

  /** The process stops: no timer left behind. */
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private idle(): void {
    this.timer = undefined;
    this.goal = 'size';
    this.apply('size');
  }
}
