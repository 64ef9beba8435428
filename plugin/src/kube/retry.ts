import { setTimeout as sleep } from 'node:timers/promises';

interface HttpishError {
  code?: number;
  headers?: Record<string, string>;
}

export interface RetryOptions {
  attempts: number;
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_RETRY: RetryOptions = { attempts: 5, baseMs: 200, maxMs: 10_000 };

/** 429 and 5xx are worth another try; anything else is final. */
export function isRetryable(e: unknown): boolean {
  const code = (e as HttpishError).code;
  return typeof code === 'number' && (code === 429 || (code >= 500 && code <= 599));
}

/** The server's Retry-After (seconds) in ms, else exponential backoff with jitter, capped. */
export function backoffMs(e: unknown, attempt: number, o: RetryOptions): number {
  const header = (e as HttpishError).headers?.['retry-after'] ?? (e as HttpishError).headers?.['Retry-After'];
  const seconds = header !== undefined ? Number(header) : Number.NaN;
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, o.maxMs);
  return Math.min(o.baseMs * 2 ** attempt * (0.5 + Math.random() / 2), o.maxMs);
}

/** What a caller may change about retrying: which failures, what it says, when to stop. */
export interface RetryHooks {
  retryable?: (e: unknown) => boolean;
  /** Before each wait: the failure and how long until the next try. */
  onRetry?: (e: unknown, waitMs: number) => void;
  /** Aborted: no further try (the last failure is thrown). */
  signal?: AbortSignal;
}

/** Runs `call`, retrying 429/5xx (or what `h.retryable` says) up to `attempts` times in all. */
export async function withRetry<T>(
  call: () => Promise<T>,
  o: RetryOptions = DEFAULT_RETRY,
  h: RetryHooks = {},
): Promise<T> {
  const retryable = h.retryable ?? isRetryable;
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (e) {
      if (!retryable(e) || attempt + 1 >= o.attempts || h.signal?.aborted) throw e;
      const ms = backoffMs(e, attempt, o);
      h.onRetry?.(e, ms);
      await sleep(ms, undefined, h.signal ? { signal: h.signal } : {}).catch(() => {});
      if (h.signal?.aborted) throw e;
    }
  }
}
