import { CHECKS } from './evaluate.ts';
import type { Decision } from './types.ts';

const READS_NODE = new Set(CHECKS.filter((c) => c.readsNode).map((c) => c.id));

/**
 * Whether a refusal could turn into an approval once the requester's Node changes: every failing
 * check is one that reads the Node (it did not exist yet, or had not reported its addresses, as
 * when a kubelet files its CSR a moment after registering). A forged subject or a bad signature
 * stays refused whatever the Node does.
 */
export function mayChangeWithNode(d: Decision): boolean {
  const failing = d.checks.filter((c) => c.outcome === 'fail');
  return d.decision === 'refuse' && failing.length > 0 && failing.every((c) => READS_NODE.has(c.id));
}
