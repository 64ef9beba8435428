import { kubeletLegPatch, type PolicyOptions, type SecurePlan } from '@kubectl-certs/core';
import { AuthorizationV1Api, type KubeConfig } from '@kubernetes/client-node';
import { describePermission, firstMissingPermission, type Permission } from '../kube/access-review.ts';
import { FIELD_MANAGER } from '../kube/server-side-apply.ts';
import { type OutputFormat, renderData } from '../output.ts';
import { UserError } from '../user-error.ts';
import { applyKubeletLeg, blockedBecause, type KubeletLegResult } from './apply-kubelet-leg.ts';
import { EXIT_CHANGES, EXIT_ROLLBACK_INCOMPLETE, EXIT_ROLLED_BACK } from './render.ts';
import { type RollbackResult, rollback } from './rollback.ts';
import type { LegResult } from './saved-object.ts';
import { waitForMetrics } from './verify.ts';

export interface ApplySettings {
  dryRun: 'none' | 'client' | 'server';
  forceConflicts: boolean;
  policy: PolicyOptions;
  concurrency: number;
  output: OutputFormat;
  timeoutMs: number;
  /** --timeout: each wait (certificates, rollout, verification, the rollback's rollout). */
  waitMs: number;
  progress: (line: string) => void;
  /** Aborted on SIGINT: the waits end, and what was applied is rolled back. */
  signal?: AbortSignal | undefined;
}

export interface CommandResult {
  output: string;
  warnings: string;
  exitCode: number;
}

export const RESULT_API_VERSION = 'kubectl-certs.io/v1alpha1';

/**
 * --apply (and its dry runs): refuse what must not be written (another manager owns the
 * Deployment, RBAC), apply the kubelet leg, verify it through the aggregator, and roll back every
 * leg's saved objects when the rollout or the verification fails.
 */
export async function applySecure(
  kc: KubeConfig,
  plan: SecurePlan,
  replan: () => Promise<SecurePlan>,
  s: ApplySettings,
): Promise<CommandResult> {
  refuseExternalManager(plan);
  if (s.dryRun === 'client') return clientDryRun(plan, s.output);
  await requireWritePermissions(kc, plan, s.timeoutMs);
  const kubelet = await applyKubeletLeg(kc, plan, replan, { ...s, dryRun: s.dryRun });
  if (s.dryRun === 'server') return serverDryRun(kubelet, s.output);
  const legs: LegResult[] = [kubelet];
  let failure = kubelet.failure;
  if (!failure && kubelet.saved.length) {
    const accepted = new Set(kubelet.plan.kubeletLeg.accepted.map((a) => a.node));
    const nodes = kubelet.plan.kubelets.map((k) => k.node).filter((n) => !accepted.has(n));
    const verified = await waitForMetrics(kc, nodes, s.waitMs, s.timeoutMs, s.progress, s.signal);
    if (!verified.ok) failure = `not verified: ${verified.reason}`;
  }
  // Then the APIService leg: once the kubelet leg verifies, it is applied here, pushes its
  // LegResult onto `legs` and is verified the same way; a failure rolls back every leg's objects.
  const rolledBack = failure
    ? await rollback(
        kc,
        legs.flatMap((l) => l.saved),
        s.waitMs,
        s.timeoutMs,
      )
    : undefined;
  return report(kubelet, failure, rolledBack, s.output);
}

function refuseExternalManager(plan: SecurePlan): void {
  const { namespace, name, managedBy } = plan.metricsServer;
  if (!managedBy) return;
  throw new UserError(
    `Deployment ${namespace}/${name} is managed by ${managedBy.tool} (${managedBy.evidence}): an edit here would be undone at its next sync, so nothing was changed. Change it in ${managedBy.tool}'s source; the chart values: kubectl certs secure metrics-server -n ${namespace} --name ${name} --print-values`,
    EXIT_CHANGES,
  );
}

/**
 * What --apply does to the Deployment (read it, patch it, and replace it should it roll back),
 * asked of the API server before anything is written.
 */
async function requireWritePermissions(kc: KubeConfig, plan: SecurePlan, timeoutMs: number): Promise<void> {
  const { namespace, name } = plan.metricsServer;
  const perms: Permission[] = ['get', 'patch', 'update'].map((verb) => ({
    verb,
    group: 'apps',
    resource: 'deployments',
    name,
    namespace,
  }));
  const missing = await firstMissingPermission(kc.makeApiClient(AuthorizationV1Api), perms, timeoutMs);
  if (missing)
    throw new UserError(
      `missing permission: ${describePermission(missing)} (secure metrics-server --apply needs it); nothing was changed`,
    );
}

/** --dry-run=client: the plan and the objects --apply would send, nothing sent. */
function clientDryRun(plan: SecurePlan, output: OutputFormat): CommandResult {
  const objects = wouldApply(plan);
  const refusal = blockedBecause(plan);
  const warnings = refusal ? `warning: ${refusal}\n` : '';
  if (output !== 'table')
    return { output: `${renderData(list(objects), output)}\n`, warnings, exitCode: exitOf(objects) };
  const body = objects.length
    ? `Would apply (server-side apply, field manager ${FIELD_MANAGER}; --dry-run=client: nothing was sent):\n${objects.map((o) => `---\n${renderData(o, 'yaml')}\n`).join('')}`
    : 'Nothing to apply: the kubelet leg verifies already.\n';
  return { output: body, warnings, exitCode: exitOf(objects) };
}

function wouldApply(plan: SecurePlan): object[] {
  const p = kubeletLegPatch(plan.kubeletLeg.before, plan.kubeletLeg.after);
  if (!p.ok) throw new UserError(`the kubelet leg cannot be applied: ${p.reason}`, EXIT_CHANGES);
  return p.patch ? [p.patch] : [];
}

/** --dry-run=server: what the API server would store, nothing changed. */
function serverDryRun(leg: KubeletLegResult, output: OutputFormat): CommandResult {
  const stored = leg.stored ? [leg.stored] : [];
  const approvals = leg.approvals.filter((a) => a.action === 'would approve');
  // The approvals were only decided: a kubelet waiting for one still blocks, and --apply would wait for it.
  const refusal = blockedBecause(leg.plan);
  const warnings = refusal ? `warning: ${refusal}\n` : '';
  if (output !== 'table')
    return { output: `${renderData(list(stored), output)}\n`, warnings, exitCode: exitOf(stored) };
  const lines = [
    ...approvals.map((a) => `would approve ${a.name} (${a.node})`),
    ...(leg.stored
      ? [
          `The API server would store (--dry-run=server: nothing was changed):`,
          renderData(podTemplateFields(leg.stored), 'yaml'),
        ]
      : ['Nothing to apply: the kubelet leg verifies already.']),
  ];
  return { output: `${lines.join('\n')}\n`, warnings, exitCode: exitOf(stored) };
}

/** The stored Deployment's containers (args, mounts) and volumes: what the edit is about. */
function podTemplateFields(d: Record<string, unknown>): unknown {
  const spec = (
    d as { spec?: { template?: { spec?: { containers?: Record<string, unknown>[]; volumes?: unknown } } } }
  ).spec?.template?.spec;
  return {
    containers: (spec?.containers ?? []).map((c) => ({
      name: c.name,
      ...(c.command ? { command: c.command } : {}),
      args: c.args,
      volumeMounts: c.volumeMounts,
    })),
    volumes: spec?.volumes,
  };
}

const list = (items: object[]) => ({ apiVersion: 'v1', kind: 'List', items });
const exitOf = (objects: object[]) => (objects.length ? EXIT_CHANGES : 0);

function report(
  leg: KubeletLegResult,
  failure: string | undefined,
  rolledBack: RollbackResult | undefined,
  output: OutputFormat,
): CommandResult {
  const ms = leg.plan.metricsServer;
  const incomplete = rolledBack && rolledBack.failed.length > 0;
  const exitCode = !failure ? 0 : incomplete ? EXIT_ROLLBACK_INCOMPLETE : EXIT_ROLLED_BACK;
  const left = incomplete
    ? rolledBack.failed.map(
        (f) => `${f.object} is left as --apply made it (${leg.changes.join('; ')}): ${f.reason}`,
      )
    : [];
  const warnings = [
    ...(failure ? [`error: the kubelet leg failed: ${failure}`] : []),
    ...left.map((l) => `error: rollback incomplete: ${l}`),
  ]
    .map((l) => `${l}\n`)
    .join('');
  const state = !failure
    ? leg.saved.length
      ? 'verified'
      : 'unchanged'
    : incomplete
      ? 'rollback incomplete'
      : 'rolled back';
  if (output !== 'table') {
    const doc = {
      apiVersion: RESULT_API_VERSION,
      kind: 'SecureMetricsServerResult',
      metricsServer: { namespace: ms.namespace, name: ms.name },
      legs: [
        {
          leg: leg.leg,
          state,
          changes: leg.changes,
          approvals: leg.approvals,
          applied: leg.applied,
          ...(failure ? { failure } : {}),
        },
      ],
      ...(rolledBack ? { rollback: rolledBack } : {}),
    };
    return { output: `${renderData(doc, output)}\n`, warnings, exitCode };
  }
  const lines = [`Kubelet leg of Deployment ${ms.namespace}/${ms.name}: ${state}`];
  for (const a of leg.approvals) lines.push(`  ${a.action} ${a.name} (${a.node}): ${a.reason}`);
  for (const c of leg.saved.length ? leg.changes : []) lines.push(`  changed: ${c}`);
  if (leg.saved.length === 0 && !failure) lines.push('  nothing to change: it verifies already');
  if (failure) lines.push(`  ${failure}`);
  for (const r of rolledBack?.restored ?? []) lines.push(`  rolled back: ${r} restored`);
  for (const l of left) lines.push(`  rollback incomplete: ${l}`);
  return { output: `${lines.join('\n')}\n`, warnings, exitCode };
}
