import type { SecurePlan } from '@kubectl-certs/core';

/** 0: both legs verify today; 3: something to change, or something that blocks it (see --help). */
export const EXIT_CHANGES = 3;
/** --apply changed something that did not roll out or verify, and put everything back. */
export const EXIT_ROLLED_BACK = 4;
/** --apply could not put everything back: what is left is said on stderr. */
export const EXIT_ROLLBACK_INCOMPLETE = 5;

const mark = (ok: boolean) => (ok ? 'OK  ' : 'FAIL');

/**
 * The plan for a person: who metrics-server is, what each leg finds and would do, and the
 * Deployment's change as a unified diff (`diff` is the patch of `before` to `after`).
 */
export function renderPlan(plan: SecurePlan, diff: string): string {
  const { metricsServer: ms, kubeletLeg: k, apiServiceLeg: a } = plan;
  const out: string[] = [`metrics-server: Deployment ${ms.namespace}/${ms.name}`];
  if (ms.managedBy)
    out.push(
      `  managed by ${ms.managedBy.tool} (${ms.managedBy.evidence}): change it in ${ms.managedBy.tool}'s source; an edit here would be undone at its next sync`,
    );
  out.push('', `Kubelet leg (metrics-server verifies kubelets with the cluster CA): ${k.state}`);
  for (const n of plan.kubelets)
    out.push(`  ${mark(n.verifies)} ${n.node}${n.verifies ? '' : `: ${n.reason}`}`);
  if (plan.kubelets.length === 0) out.push('  (no nodes)');
  for (const c of k.changes) out.push(`  change: ${c}`);
  for (const u of k.unfixable) out.push(`  cannot be changed automatically: ${u}`);
  const them = k.blockers.length === 1 ? 'it' : 'them';
  if (k.blockers.length)
    out.push(
      `  blocked: ${k.blockers.map((b) => b.node).join(', ')} would fail verification; metrics-server would stop scraping ${them} (fix ${them} first, or name ${them} with --allow-unverified-nodes)`,
    );
  if (k.accepted.length) out.push(`  accepted unverified: ${k.accepted.map((b) => b.node).join(', ')}`);
  if (k.unknownAllowed.length)
    out.push(`  --allow-unverified-nodes names no such node: ${k.unknownAllowed.join(', ')}`);
  for (const s of k.serverTlsBootstrap) out.push(`  step: ${s}`);
  if (diff) out.push('', ...diff.split('\n').map((l) => `  ${l}`));
  out.push('', `APIService leg (the API server verifies metrics-server): ${a.state}`);
  for (const f of a.findings) out.push(`  ${f}`);
  if (a.metricsApi?.ok && a.findings.length === 0)
    out.push(
      `  GET /apis/metrics.k8s.io/v1beta1/nodes through the API server lists every node (${a.metricsApi.nodes.length})`,
    );
  if (a.servingNames.length && a.state !== 'done') {
    out.push(`  serving certificate for: ${a.servingNames.join(', ')} (from ${a.issuer})`);
    for (const n of a.issuerNotes) out.push(`    ${n}`);
  }
  for (const s of a.steps) out.push(`  step: ${s}`);
  out.push('', plan.done ? 'Both legs verify: nothing to do.' : 'This is the plan: nothing was changed.');
  return `${out.join('\n')}\n`;
}
