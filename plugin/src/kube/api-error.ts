import { UserError } from '../user-error.ts';

interface MaybeApiException {
  code?: number;
  body?: unknown;
  message?: string;
  cause?: { code?: string; message?: string };
}

/**
 * Turns what client-node throws (ApiException with an HTTP code and a Status body, or a network
 * error) into one line a cluster admin understands.
 */
export function describeApiError(e: unknown, what: string, server: string): UserError {
  if (e instanceof UserError) return e;
  const err = e as MaybeApiException;
  if (typeof err.code === 'number') {
    const status = parseStatus(err.body);
    if (err.code === 401)
      return new UserError(
        `${what}: the server at ${server} did not accept our credentials (401 Unauthorized)`,
      );
    if (err.code === 403) return new UserError(`${what}: forbidden: ${status ?? 'RBAC denied the request'}`);
    return new UserError(`${what}: HTTP ${err.code}${status ? `: ${status}` : ''}`);
  }
  const cause = err.cause?.code ?? err.cause?.message ?? err.message ?? String(e);
  return new UserError(`${what}: cannot reach ${server}: ${cause}`);
}

/** The message of the Status body the API server answered with (its own words), if any. */
export function parseStatus(body: unknown): string | undefined {
  if (typeof body === 'string') {
    try {
      return (JSON.parse(body) as { message?: string }).message ?? body;
    } catch {
      return body || undefined;
    }
  }
  return (body as { message?: string } | undefined)?.message;
}

/** The HTTP status the API server answered with, when it answered (client-node's ApiException). */
export function httpCode(e: unknown): number | undefined {
  const code = (e as { code?: unknown }).code;
  return typeof code === 'number' ? code : undefined;
}

/**
 * What a write that failed did: refused when the API server answered 4xx (nothing was stored);
 * unknown otherwise (no answer in time, the connection lost, a 5xx such as etcd's timeout: it
 * may have been stored).
 */
export function failedWriteOutcome(e: unknown): 'refused' | 'unknown' {
  const code = httpCode(e);
  return code !== undefined && code >= 400 && code < 500 ? 'refused' : 'unknown';
}
