import type { Finding } from '@kubectl-certs/core';

const at = (f: Finding) => `${f.range.startLine}:${f.range.startColumn}`;

/** Why a finding left after --fix is still there: it has no fix, or its fix waits to be asked for. */
function why(f: Finding): string {
  if (f.fixes.length === 0) return ', no fix';
  return f.fixes[0]?.clusterWide ? ', a cluster-wide fix: --fix-cluster-wide applies it' : '';
}

/**
 * What --fix says about one file on stderr: each fix it wrote (where the finding was, which rule,
 * the fix's title), then how many findings are left and which, and why each is (no fix, or a
 * cluster-wide fix --fix leaves unless asked). Nothing for a file without findings.
 */
export function fixReport(file: string, fixed: readonly Finding[], left: readonly Finding[]): string[] {
  if (fixed.length === 0 && left.length === 0) return [];
  const lines = fixed.map((f) => `${file}:${at(f)}: fixed ${f.ruleId}: ${f.fixes[0]?.title ?? ''}`);
  const rest = left.map((f) => `${f.ruleId} at ${at(f)}${why(f)}`);
  lines.push(
    `${file}: ${fixed.length} fixed, ${left.length} left${rest.length ? ` (${rest.join('; ')})` : ''}`,
  );
  return lines;
}
