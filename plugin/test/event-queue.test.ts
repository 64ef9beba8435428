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

  it('an Event held as long as the bound is written although approvals stay busy (a steady stream never starves it)', async () => {
    const q = new EventQueue(() => true, 100, 30);
    const w = writes();
    await q.add(w.write(0));
    await q.add(w.write(1));
    await settle();
    expect(w.started).toEqual([0, 1]);
    for (const finish of w.finish) finish();
    await q.idle();
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

describe('leading ended with Events queued: the decisions are written, so their Events are too, within a bound', () => {
  /** Six Events queued behind approvals that stay busy (the leader lost its Lease mid-burst). */
  function lostMidBurst(write: (n: number) => () => Promise<void>) {
    const q = new EventQueue(() => true);
    for (let n = 0; n < 6; n++) void q.add(write(n), `csr-${n} KubectlCertsApproved`);
    return q;
  }

  it('writes every queued Event, although approvals are still busy, and names none as unwritten', async () => {
    const written: number[] = [];
    const q = lostMidBurst((n) => async () => {
      written.push(n);
    });
    await settle();
    expect(written).toEqual([]); // held back while leading
    await q.flush(60_000, 100);
    expect(written).toEqual([0, 1, 2, 3, 4, 5]);
    expect(q.unwritten()).toEqual([]);
  });

  it('at most the count bound: the rest is named, in queue order', async () => {
    const written: number[] = [];
    const q = lostMidBurst((n) => async () => {
      written.push(n);
    });
    await q.flush(60_000, 2);
    expect(written).toEqual([0, 1]);
    expect(q.unwritten()).toEqual([2, 3, 4, 5].map((n) => `csr-${n} KubectlCertsApproved`));
  });

  it('at most the time bound: writes that never answer are named, and a caller waiting on a full queue is let go', async () => {
    const never = () => () => new Promise<void>(() => {});
    const q = new EventQueue(() => true, 3);
    await q.add(never(), 'csr-0 KubectlCertsApproved');
    await q.add(never(), 'csr-1 KubectlCertsRefused');
    const waiting = q.add(never(), 'csr-2 KubectlCertsApproved'); // full: its caller waits
    await q.flush(50, 100);
    await waiting;
    expect(q.unwritten()).toEqual([
      'csr-0 KubectlCertsApproved',
      'csr-1 KubectlCertsRefused',
      'csr-2 KubectlCertsApproved',
    ]);
  });

  it("a write still running when the flush's bound is over is told to stop (no further try)", async () => {
    const q = new EventQueue();
    let signal: AbortSignal | undefined;
    await q.add((s) => {
      signal = s;
      return new Promise<void>(() => {});
    }, 'csr-0 KubectlCertsApproved');
    await settle();
    expect(signal?.aborted).toBe(false);
    await q.flush(50, 100);
    expect([signal?.aborted, q.unwritten()]).toEqual([true, ['csr-0 KubectlCertsApproved']]);
  });

  it('an Event added once the flush is over is not written, and named', async () => {
    const q = new EventQueue();
    await q.flush(60_000, 100);
    let wrote = false;
    await q.add(async () => {
      wrote = true;
    }, 'csr-late KubectlCertsApproved');
    await settle();
    expect([wrote, q.unwritten()]).toEqual([false, ['csr-late KubectlCertsApproved']]);
  });
});
