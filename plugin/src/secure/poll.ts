import { firstLine } from '../approve/report-item.ts';

export type Step<T> = { done: true; outcome: T } | { done: false; reason: string };

const INTERVAL_MS = 1000;

/** Why a wait ended early: the user interrupted it (SIGINT), so what it waited for is rolled back. */
export const INTERRUPTED = 'interrupted (SIGINT)';

/**
 * Asks `check` once a second until it is done, `timeoutMs` has passed or `signal` aborts; a check
 * that throws is asked again (its error is the last reason). On timeout: the last reason, after
 * "timed out".
 */
export async function pollUntil<T>(
  timeoutMs: number,
  check: () => Promise<Step<T>>,
  signal?: AbortSignal,
): Promise<T | { ok: false; reason: string }> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  for (;;) {
    if (signal?.aborted) return { ok: false, reason: `${INTERRUPTED}: ${last}` };
    try {
      const s = await check();
      if (s.done) return s.outcome;
      last = s.reason;
    } catch (e) {
      last = firstLine(e);
    }
    if (Date.now() + INTERVAL_MS > deadline)
      return { ok: false, reason: `timed out after ${timeoutMs / 1000}s (--timeout): ${last}` };
    await sleep(INTERVAL_MS, signal);
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
