import { UserError } from '../user-error.ts';

/**
 * No answer in time: trouble on our side of the call, never an answer. Callers that decide treat
 * it as "cannot decide now"; those that retry (Events, the Lease) try again.
 */
export class RequestTimeout extends UserError {
  /** `limit`: the flag that set the bound. */
  constructor(what: string, ms: number, limit = '--request-timeout') {
    super(`${what}: no answer within ${ms / 1000}s (${limit})`);
    this.name = 'RequestTimeout';
  }
}

export function isTimeout(e: unknown): boolean {
  return e instanceof RequestTimeout;
}

/** Rejects with a one-line RequestTimeout when `work` takes longer than `ms` (0 = no limit). */
export async function withTimeout<T>(work: Promise<T>, ms: number, what: string, limit?: string): Promise<T> {
  if (ms <= 0) return work;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RequestTimeout(what, ms, limit)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
