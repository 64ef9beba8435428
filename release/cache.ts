import { homedir } from 'node:os';
import { join } from 'node:path';

/** The cache outside the work tree that scripts/run also uses (Node bases, built executables). */
export function cacheDir(...parts: string[]): string {
  const base =
    process.env.KUBECTL_CERTS_CACHE ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'kubectl-certs');
  return join(base, ...parts);
}
