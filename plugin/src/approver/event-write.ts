import type { CoreV1Event } from '@kubernetes/client-node';
import type { ApproveClient } from '../approve/approve-client.ts';
import { firstLine } from '../approve/report-item.ts';
import { isRetryable, type RetryOptions, withRetry } from '../kube/retry.ts';
import { isTimeout, withTimeout } from '../kube/timeout.ts';
import { EVENT_NAMESPACE } from './events.ts';

export interface EventWriteSettings {
  /** Each try's bound (--request-timeout). */
  timeoutMs: number;
  retry: RetryOptions;
  log: (line: string) => void;
}

/**
 * One Event POST of a decision, each try bounded by the request timeout: a timeout, a 429 or a 5xx
 * is tried again with backoff until the Event is written or `signal` aborts (the queue's bound
 * once leading ends), so a hung connection never holds the queue. A try whose lost first attempt
 * landed after all answers 409, which is "exists": an Event is named after its decision. Every
 * failure is one log line, never thrown: an Event reports a decision, it is not one.
 */
export async function writeEvent(
  client: ApproveClient,
  event: CoreV1Event,
  what: string,
  s: EventWriteSettings,
  signal?: AbortSignal,
): Promise<void> {
  const doing = `recording an Event for ${what}`;
  // A timeout's message names what timed out already.
  const line = (e: unknown) => (isTimeout(e) ? firstLine(e) : `${doing}: ${firstLine(e)}`);
  try {
    await withRetry(
      () => withTimeout(client.createEvent(EVENT_NAMESPACE, event), s.timeoutMs, doing),
      s.retry,
      {
        retryable: (e) => isTimeout(e) || isRetryable(e),
        onRetry: (e, ms) => s.log(`${line(e)}; trying again in ${Math.round(ms / 100) / 10}s`),
        ...(signal ? { signal } : {}),
      },
    );
  } catch (e) {
    s.log(line(e));
  }
}
