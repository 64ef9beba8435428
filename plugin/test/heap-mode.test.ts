import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type HeapGoal, HeapMode } from '../src/approver/heap-mode.ts';

const IDLE = 1_000;

/** Steps: 'work' (work came), a number (that many ms pass), 'stop'. */
type Step = 'work' | 'stop' | number;

describe("the approver's heap: kept small while idle, fast while it works", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it.each<[string, Step[], HeapGoal[]]>([
    ['starts kept small, before any work', [], ['size']],
    ['work makes it fast', ['work'], ['size', 'speed']],
    ['more work while fast changes nothing', ['work', 100, 'work', 'work'], ['size', 'speed']],
    ['idle for the whole idle time: small again', ['work', IDLE], ['size', 'speed', 'size']],
    ['not before the idle time is over', ['work', IDLE - 1], ['size', 'speed']],
    [
      'each piece of work starts the idle time again',
      ['work', IDLE - 1, 'work', IDLE - 1],
      ['size', 'speed'],
    ],
    ['a new burst after idling: fast again', ['work', IDLE, 'work'], ['size', 'speed', 'size', 'speed']],
    ['stopped: no change comes after', ['work', 'stop', IDLE * 2], ['size', 'speed']],
  ])('%s', (_, steps, goals) => {
    const applied: HeapGoal[] = [];
    const heap = new HeapMode((g) => applied.push(g), IDLE);
    for (const step of steps)
      if (step === 'work') heap.working();
      else if (step === 'stop') heap.stop();
      else vi.advanceTimersByTime(step);
    expect(applied).toEqual(goals);
    heap.stop();
  });

  it('stop leaves no timer behind', () => {
    const heap = new HeapMode(() => {}, IDLE);
    heap.working();
    expect(vi.getTimerCount()).toBe(1);
    heap.stop();
    expect(vi.getTimerCount()).toBe(0);
  });
});
