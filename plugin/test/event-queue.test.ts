import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { EVENT_CONCURRENCY, EventQueue } from '../src/approver/event-queue.ts';

/** Writes that record their order and finish when the case says so. */
function writes() {
  const started: number[] = [];
  const finish: (() => void)[] = [];
  const write = (n: number) => () =>
    new Promise<void>((resolve) => {
      started.push(n);
      finish.push(resolve);
    });
  return { started, finish, write };
}

/** Lets the queue's timers and promises run (no timing is asserted). */
const settle = () => sleep(120);

describe("the approver's Event queue: decisions first, one Event each, none dropped", () => {
  it('holds Events while approvals are busy and writes them, a few at a time, once they are not', async () => {
    let busy = true;
    const q = new EventQueue(() => busy);
    const w = writes();
    for (let n = 0; n < 6; n++) await q.add(w.write(n));
    await settle();
    expect(w.started).toEqual([]);
    busy = false;
    await settle();
    expect(w.started).toEqual([0, 1, 2, 3].slice(0, EVENT_CONCURRENCY));
    while (w.finish.length) {
      w.finish.shift()?.();
      await settle();
    }
    expect(w.started).toEqual([0, 1, 2, 3, 4, 5]);
    await q.idle();
  });

  it('a full queue is written even while busy, and whoever adds to it waits for its own Event', async () => {
    const q = new EventQueue(() => true, 3);
    const w = writes();
    await q.add(w.write(0));
    await q.add(w.write(1));
    let third = false;
    const adding = q.add(w.write(2)).then(() => {
      third = true;
    });
    await settle();
    expect(w.started.length).toBeGreaterThan(0);
    expect(third).toBe(false);
    while (!third) {
      w.finish.shift()?.();
      await settle();
    }
    await adding;
    expect(w.started).toEqual([0, 1, 2]);
  });

  it('a failed write is its own report: the queue goes on and idle() still settles', async () => {
    const q = new EventQueue();
    const seen: string[] = [];
    await q.add(async () => {
      seen.push('a');
      throw new Error('HTTP 500');
    });
    await q.add(async () => {
      seen.push('b');
    });
    await q.idle();
    expect(seen).toEqual(['a', 'b']);
  });
});
