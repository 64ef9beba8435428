import { firstLine } from '../approve/report-item.ts';

export type Step<T> = { done: true; outcome: T } | { done: false; reason: string };

const INTERVAL_MS = 1000;

/**
 * Asks `check` once a second until it is done or `timeoutMs` has passed; a check that throws is
 * asked again (its error is the last reason). On timeout: the last reason, after "timed out".
 */
export async function pollUntil<T>(
  timeoutMs: number,
  check: () => Promise<Step<T>>,
): Promise<T | { ok: false; reason: string }> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  for (;;) {
    try {
      const s = await check();
      if (s.done) return s.outcome;
      last = s.reason;
    } catch (e) {
      last = firstLine(e);
    }
    if (Date.now() + INTERVAL_MS > deadline)
      return { ok: false, reason: `timed out after ${timeoutMs / 1000}s (--timeout): ${last}` };
    await new Promise((r) => setTimeout(r, INTERVAL_MS));
  }
}
