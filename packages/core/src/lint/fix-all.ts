import { applyEdits } from './apply-edits.ts';
import { lint } from './lint.ts';
import type { Finding, LintOptions, TextEdit } from './types.ts';

export interface FixAllOptions {
  /** Also apply fixes that change cluster-wide behaviour (`Fix.clusterWide`); off unless asked. */
  clusterWide?: boolean | undefined;
}

export interface FixAllResult {
  text: string;
  applied: number;
  /** The findings whose preferred fix was applied, as lint reported them on the original text. */
  fixed: Finding[];
}

const reportKey = (f: Finding) => `${f.ruleId}\n${f.message}`;

/**
 * Applies the preferred fix of every finding, re-linting between rounds because two fixes may
 * touch the same lines (each round applies the non-overlapping ones). Later rounds fix only what
 * lint reported on the original text: a fix may open a new finding (serverTLSBootstrap: true lets
 * the API server verify kubelets), and --fix must not write what the report did not show. A
 * cluster-wide preferred fix is left alone unless asked for: the finding then stays, with its fix,
 * for a person to decide.
 */
export function fixAll(
  text: string,
  options: Partial<LintOptions>,
  { clusterWide = false }: FixAllOptions = {},
): FixAllResult {
  const reported = lint(text, options);
  const unfixed = [...reported];
  const fixed: Finding[] = [];
  let current = text;
  for (let round = 0; round < 5; round++) {
    const found = round === 0 ? reported : lint(current, options);
    const fixable = found.filter(
      (f) =>
        f.fixes[0] !== undefined &&
        (clusterWide || !f.fixes[0].clusterWide) &&
        unfixed.some((u) => reportKey(u) === reportKey(f)),
    );
    const chosen = nonOverlapping(fixable);
    if (chosen.length === 0) break;
    current = applyEdits(
      current,
      chosen.flatMap((f) => f.fixes[0]?.edits ?? []),
    );
    for (const f of chosen) {
      const i = unfixed.findIndex((u) => reportKey(u) === reportKey(f));
      fixed.push(...unfixed.splice(i, 1));
    }
  }
  return { text: current, applied: fixed.length, fixed };
}

function nonOverlapping(findings: Finding[]): Finding[] {
  const taken: [number, number][] = [];
  return findings.filter((f) => {
    const spans = (f.fixes[0]?.edits ?? []).map((e) => [e.offset, e.offset + e.length] as [number, number]);
    const clash = spans.some(
      ([a, b]) => taken.some(([c, d]) => a < d && c < b) || taken.some(([c]) => c === a && a === b),
    );
    if (clash) return false;
    taken.push(...spans);
    return true;
  });
}

/**
 * One edit that turns `before` into `after`: the span between their common prefix and suffix.
 * An editor applies it as a single undoable change that leaves the untouched text (and the
 * cursor in it) alone.
 */
export function editBetween(before: string, after: string): TextEdit {
  let start = 0;
  const max = Math.min(before.length, after.length);
  while (start < max && before[start] === after[start]) start++;
  let end = 0;
  while (end < max - start && before[before.length - 1 - end] === after[after.length - 1 - end]) end++;
  return { offset: start, length: before.length - start - end, text: after.slice(start, after.length - end) };
}
