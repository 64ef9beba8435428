/** A field of a server-side apply that another field manager owns. */
export interface FieldConflict {
  field: string;
  /** The field manager that owns it, as the API server names it (e.g. "kubectl-patch", "helm"). */
  manager: string;
  /** The rest of the API server's cause: "using apps/v1", "with subresource \"scale\" using apps/v1". */
  detail: string;
}

interface StatusBody {
  reason?: string;
  details?: { causes?: { reason?: string; message?: string; field?: string }[] };
}

/**
 * The conflicts of a 409 answer to a server-side apply (Status reason Conflict, one cause
 * FieldManagerConflict per field: message `conflict with "<manager>" using <version>`), or
 * undefined when the error is something else (a 409 AlreadyExists, a network error).
 */
export function fieldConflicts(e: unknown): FieldConflict[] | undefined {
  const err = e as { code?: number; body?: unknown };
  if (err.code !== 409) return undefined;
  const status = statusOf(err.body);
  const causes = (status?.details?.causes ?? []).filter((c) => c.reason === 'FieldManagerConflict');
  if (causes.length === 0) return undefined;
  return causes.map((c) => {
    const m = /^conflict with "([^"]*)"\s*(.*)$/.exec(c.message ?? '');
    return {
      field: c.field ?? '?',
      manager: m ? (m[1] as string) : '?',
      detail: m ? (m[2] as string) : (c.message ?? ''),
    };
  });
}

function statusOf(body: unknown): StatusBody | undefined {
  if (typeof body !== 'string') return body as StatusBody | undefined;
  try {
    return JSON.parse(body) as StatusBody;
  } catch {
    return undefined;
  }
}

/** One line: which manager owns which field, and how to take them. */
export function describeConflicts(conflicts: readonly FieldConflict[]): string {
  const owned = conflicts.map(
    (c) => `${c.field} is owned by field manager "${c.manager}"${c.detail ? ` (${c.detail})` : ''}`,
  );
  return `conflict: ${owned.join(', ')}; run again with --force-conflicts to take ${conflicts.length === 1 ? 'it' : 'them'}`;
}
