import { describe, expect, it } from 'vitest';
import { backoffMs, DEFAULT_RETRY, isRetryable, type RetryHooks, withRetry } from '../src/kube/retry.ts';
import { isTimeout, RequestTimeout } from '../src/kube/timeout.ts';

const httpError = (code: number, headers: Record<string, string> = {}) =>
  Object.assign(new Error(`HTTP ${code}`), { code, headers });
const fast = { attempts: 4, baseMs: 1, maxMs: 5 };

describe('which failures are retried', () => {
  it.each([
    [429, true],
    [500, true],
    [503, true],
    [504, true],
    [400, false],
    [403, false],
    [404, false],
    [409, false],
    [422, false],
  ])('HTTP %i: %s', (code, expected) => expect(isRetryable(httpError(code))).toBe(expected));

  it('a network error without a status is not retried here (the caller reports it)', () => {
    expect(isRetryable(new Error('ECONNREFUSED'))).toBe(false);
  });
});

describe('how long to wait', () => {
  it("honours the server's Retry-After seconds", () => {
    expect(backoffMs(httpError(429, { 'retry-after': '2' }), 0, DEFAULT_RETRY)).toBe(2000);
  });
  it('caps Retry-After at the maximum', () => {
    expect(backoffMs(httpError(429, { 'retry-after': '3600' }), 0, DEFAULT_RETRY)).toBe(DEFAULT_RETRY.maxMs);
  });
  it('backs off exponentially (with jitter) without Retry-After', () => {
    for (const attempt of [0, 1, 2, 3]) {
      const ms = backoffMs(httpError(503), attempt, DEFAULT_RETRY);
      expect(ms).toBeGreaterThanOrEqual((DEFAULT_RETRY.baseMs * 2 ** attempt) / 2);
      expect(ms).toBeLessThanOrEqual(DEFAULT_RETRY.baseMs * 2 ** attempt);
    }
  });
});

describe('withRetry', () => {
  it('returns the first success after retryable failures', async () => {
    const failures = [httpError(429, { 'retry-after': '0' }), httpError(503)];
    let calls = 0;
    const value = await withRetry(async () => {
      calls++;
      const f = failures.shift();
      if (f) throw f;
      return 'ok';
    }, fast);
    expect({ value, calls }).toEqual({ value: 'ok', calls: 3 });
  });

  it('gives up after the last attempt with the last error', async () => {
    let calls = 0;
    await expect(
      withRetry(async () => {
        calls++;
        throw httpError(500);
      }, fast),
    ).rejects.toThrow('HTTP 500');
    expect(calls).toBe(fast.attempts);
  });

  it('does not retry a final error', async () => {
    let calls = 0;
    await expect(
      withRetry(async () => {
        calls++;
        throw httpError(403);
      }, fast),
    ).rejects.toThrow('HTTP 403');
    expect(calls).toBe(1);
  });
});

describe("withRetry's hooks", () => {
  const timeout = new RequestTimeout('reading x', 50);
  it.each<[string, unknown[], RetryHooks, { calls: number; waits: number; value?: string }]>([
    [
      'a timeout is final by default (the caller decides: "cannot decide now")',
      [timeout],
      {},
      { calls: 1, waits: 0 },
    ],
    [
      'a caller may retry timeouts too',
      [timeout, timeout],
      { retryable: isTimeout },
      { calls: 3, waits: 2, value: 'ok' },
    ],
    [
      'onRetry is told of each wait, not of the final failure',
      Array(9).fill(httpError(503)),
      {},
      { calls: fast.attempts, waits: fast.attempts - 1 },
    ],
  ])('%s', async (_n, failures, hooks, expected) => {
    let calls = 0;
    let waits = 0;
    const value = await withRetry(
      async () => {
        calls++;
        if (failures.length) throw failures.shift();
        return 'ok';
      },
      fast,
      { ...hooks, onRetry: () => waits++ },
    ).catch(() => undefined);
    expect({ calls, waits, ...(value ? { value } : {}) }).toEqual(expected);
  });

  it('an aborted signal ends the tries with the last failure', async () => {
    const stop = new AbortController();
    let n = 0;
    await expect(
      withRetry(
        async () => {
          n++;
          stop.abort();
          throw httpError(503);
        },
        fast,
        { signal: stop.signal },
      ),
    ).rejects.toThrow('HTTP 503');
    expect(n).toBe(1);
  });
});
