/** A field another manager owns, as a 409 to a server-side apply names it. */
export interface FieldConflict {
  manager: string;
  field: string;
}

interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

/**
 * The conflicts of a 409 answer to a server-side apply (Status details.causes of reason
 * FieldManagerConflict: 'conflict with "kubectl-client-side-apply" using apps/v1' and the field
 * path); undefined when the error is anything else.
 */
export function applyConflicts(e: unknown): FieldConflict[] | undefined {
  const err = e as { code?: number; body?: unknown };
  if (err.code !== 409) return undefined;
  let body = err.body;
  if (typeof body === 'string')
    try {
      body = JSON.parse(body);
    } catch {
      return undefined;
    }
  const causes = (
    (body as { details?: { causes?: StatusCause[] } } | undefined)?.details?.causes ?? []
  ).filter((c) => c.reason === 'FieldManagerConflict');
  if (causes.length === 0) return undefined;
  return causes.map((c) => ({
    manager: c.message?.match(/conflict with "([^"]*)"/)?.[1] ?? c.message ?? '?',
    field: c.field ?? '?',
  }));
}
