import { setTimeout as sleep } from 'node:timers/promises';

/** A controller's reconcile loop in this process: level-triggered, every `periodMs`, until stopped. */
export interface ControlLoop {
  /** The last round's failure, for a test's message (a controller logs it and tries again). */
  lastError(): string | undefined;
  stop(): Promise<void>;
}

export function startControlLoop(reconcile: () => Promise<void>, periodMs = 500): ControlLoop {
  const abort = new AbortController();
  let error: string | undefined;
  const done = (async () => {
    while (!abort.signal.aborted) {
      try {
        await reconcile();
        error = undefined;
      } catch (e) {
        error = e instanceof Error ? e.message : String(e);
      }
      await sleep(periodMs, undefined, { signal: abort.signal }).catch(() => {});
    }
  })();
  return {
    lastError: () => error,
    stop: async () => {
      abort.abort();
      await done;
    },
  };
}
