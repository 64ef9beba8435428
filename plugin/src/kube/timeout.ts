import { UserError } from '../user-error.ts';

/** Rejects with a one-line error when `work` takes longer than `ms` (0 = no limit). */
export async function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  if (ms <= 0) return work;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new UserError(`${what}: no answer within ${ms / 1000}s (--request-timeout)`)),
      ms,
    );
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
