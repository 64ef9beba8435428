import {
  type DeploymentApplyPatch,
  kubeletLegPatch,
  type PolicyOptions,
  type SecurePlan,
} from '@kubectl-certs/core';
import type { KubeConfig } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { approveServing } from '../approve/approve-serving.ts';
import type { ReportItem } from '../approve/report-item.ts';
import { describeApiError, failedWriteOutcome } from '../kube/api-error.ts';
import { fieldConflicts } from '../kube/apply-conflict.ts';
import { FIELD_MANAGER, serverSideApply } from '../kube/server-side-apply.ts';
import { withTimeout } from '../kube/timeout.ts';
import { UserError } from '../user-error.ts';
import { INTERRUPTED, pollUntil } from './poll.ts';
import { EXIT_CHANGES } from './render.ts';
import { waitForRollout } from './rollout.ts';
import type { LegResult, SavedObject } from './saved-object.ts';

export interface KubeletLegSettings {
  /** none writes; server sends every write with dryRun=All (approvals are only decided). */
  dryRun: 'none' | 'server';
  forceConflicts: boolean;
  policy: PolicyOptions;
  concurrency: number;
  /** Each request. */
  timeoutMs: number;
  /** Each wait: kubelets serving their new certificates, the rollout. */
  waitMs: number;
  progress: (line: string) => void;
  /** Aborted on SIGINT: waits end at once; after the patch, the caller rolls back. */
  signal?: AbortSignal | undefined;
}

export interface KubeletLegResult extends LegResult {
  leg: 'kubelet';
  /** What approve-serving decided and did about the pending kubelet-serving CSRs. */
  approvals: ReportItem[];
  /** The plan the edit was made from (after the approvals took effect). */
  plan: SecurePlan;
  /** The server-side apply configuration sent (undefined: nothing to change). */
  applied?: DeploymentApplyPatch | undefined;
  /** The Deployment as the API server stored it (or would, with --dry-run=server). */
  stored?: Record<string, unknown> | undefined;
  /** Why the leg did not finish (its rollout), when it did not: roll back. */
  failure?: string | undefined;
}

/**
 * The kubelet leg of --apply: approve what approve-serving finds safe among the pending
 * kubelet-serving CSRs (its one plumbing: gather, core's decide, act; undecided is never written),
 * wait for those kubelets to serve their certificates, then refuse while a kubelet would fail
 * verification, else server-side apply the plan's Deployment edit (only the fields it changes)
 * and wait for the rollout. Throws a UserError before writing the Deployment when it must not be
 * written (blocked, a conflict with another field manager); once written (or sent without an
 * answer), the Deployment as it was is in `saved`, and a rollout that does not finish (or that
 * unanswered patch) is `failure`, for the caller to roll back.
 */
export async function applyKubeletLeg(
  kc: KubeConfig,
  first: SecurePlan,
  replan: () => Promise<SecurePlan>,
  s: KubeletLegSettings,
): Promise<KubeletLegResult> {
  const approvals = await approvePending(kc, s);
  const approvedNodes = approvals.filter((a) => a.action === 'approved').map((a) => a.node);
  const plan = approvedNodes.length ? await waitForCertificates(replan, approvedNodes, s) : first;
  if (s.signal?.aborted)
    throw new UserError(
      `${INTERRUPTED} before the Deployment was changed: nothing was changed but approvals`,
    );
  const k = plan.kubeletLeg;
  const refusal = blockedBecause(plan);
  if (refusal && s.dryRun === 'none') throw new UserError(refusal, EXIT_CHANGES);
  const patch = kubeletLegPatch(k.before, k.after);
  if (!patch.ok) throw new UserError(`the kubelet leg cannot be applied: ${patch.reason}`, EXIT_CHANGES);
  const result: KubeletLegResult = { leg: 'kubelet', changes: k.changes, saved: [], approvals, plan };
  if (!patch.patch) return result;
  const ref = { namespace: plan.metricsServer.namespace, name: plan.metricsServer.name };
  const server = kc.getCurrentCluster()?.server ?? '?';
  const before = s.dryRun === 'none' ? await readWire(kc, ref, s.timeoutMs, server) : undefined;
  const saved = (written: SavedObject['written']): SavedObject[] => [
    { apiVersion: 'apps/v1', kind: 'Deployment', namespace: ref.namespace, name: ref.name, before, written },
  ];
  let stored: object;
  try {
    stored = await serverSideApply(kc, patch.patch, {
      dryRun: s.dryRun,
      force: s.forceConflicts,
      timeoutMs: s.timeoutMs,
    });
  } catch (e) {
    const error =
      conflictError(e, `Deployment ${ref.namespace}/${ref.name}`) ??
      describeApiError(e, `apply Deployment ${ref.namespace}/${ref.name}`, server);
    // Unanswered, the patch may have landed: the caller rolls back what may have changed.
    if (s.dryRun === 'none' && failedWriteOutcome(e) === 'unknown')
      return { ...result, applied: patch.patch, saved: saved('unknown'), failure: error.message };
    throw error;
  }
  const out: KubeletLegResult = {
    ...result,
    applied: patch.patch,
    stored: JSON.parse(JSON.stringify(stored)) as Record<string, unknown>,
  };
  if (s.dryRun === 'server') return out;
  out.saved = saved('landed');
  s.progress(
    `applied Deployment ${ref.namespace}/${ref.name} (server-side apply, field manager ${FIELD_MANAGER}): ${k.changes.join('; ')}`,
  );
  const rolled = await waitForRollout(kc, ref, s.waitMs, s.timeoutMs, s.progress, s.signal);
  return rolled.ok ? out : { ...out, failure: `the rollout did not finish: ${rolled.reason}` };
}

/** Why the leg must not be applied now: kubelets that would fail verification, or edits lint cannot make. */
export function blockedBecause(plan: SecurePlan): string | undefined {
  const k = plan.kubeletLeg;
  if (k.blockers.length) {
    const names = k.blockers.map((b) => b.node).join(',');
    return `the kubelet leg is blocked: ${k.blockers.map((b) => `${b.node} would fail verification (${b.reason})`).join('; ')}; metrics-server would stop scraping ${k.blockers.length === 1 ? 'it' : 'them'}. Fix ${k.blockers.length === 1 ? 'it' : 'them'} first (the plan gives the steps), or accept ${k.blockers.length === 1 ? 'it' : 'them'} with --allow-unverified-nodes ${names}`;
  }
  if (k.unfixable.length) return `the kubelet leg cannot be applied: ${k.unfixable.join('; ')}`;
  return undefined;
}

/**
 * approve-serving over every pending kubelet-serving CSR: decided first without writing (so that
 * the approver's permissions are asked for only when something is to approve), then the CSRs it
 * would approve, decided again and written. With --dry-run=server nothing is written.
 */
async function approvePending(kc: KubeConfig, s: KubeletLegSettings): Promise<ReportItem[]> {
  const settings = {
    selection: { names: [], nodes: [], all: true },
    dryRun: true,
    deny: false,
    showIgnored: false,
    options: s.policy,
    timeoutMs: s.timeoutMs,
    concurrency: s.concurrency,
  };
  const decided = await approveServing(kc, settings);
  const names = decided.filter((d) => d.action === 'would approve').map((d) => d.name);
  if (s.dryRun !== 'none' || names.length === 0) return decided;
  const written = await approveServing(kc, {
    ...settings,
    dryRun: false,
    selection: { ...settings.selection, names, all: false },
  });
  for (const w of written) s.progress(`${w.action} ${w.name} (${w.node}): ${w.reason}`);
  return [...decided.filter((d) => !names.includes(d.name)), ...written];
}

/** Re-plans until the kubelets of `nodes` verify (their kubelets fetch the issued certificates), at most waitMs. */
async function waitForCertificates(
  replan: () => Promise<SecurePlan>,
  nodes: string[],
  s: KubeletLegSettings,
): Promise<SecurePlan> {
  let last: SecurePlan | undefined;
  s.progress(`waiting for the kubelets of ${nodes.join(', ')} to serve their approved certificates`);
  await pollUntil(
    s.waitMs,
    async () => {
      last = await replan();
      const still = last.kubelets.filter((k) => nodes.includes(k.node) && !k.verifies);
      return still.length === 0
        ? { done: true, outcome: { ok: true } }
        : { done: false, reason: still.map((k) => `${k.node}: ${k.reason}`).join('; ') };
    },
    s.signal,
  );
  return last ?? (await replan());
}

async function readWire(
  kc: KubeConfig,
  ref: { namespace: string; name: string },
  timeoutMs: number,
  server: string,
): Promise<Record<string, unknown>> {
  const k8s = await import('@kubernetes/client-node');
  const d = await withTimeout(
    kc.makeApiClient(k8s.AppsV1Api).readNamespacedDeployment(ref),
    timeoutMs,
    `reading Deployment ${ref.namespace}/${ref.name}`,
  ).catch((e: unknown) => {
    throw describeApiError(e, `reading Deployment ${ref.namespace}/${ref.name}`, server);
  });
  // client-node's serializer gives the wire form (its models name a few fields differently).
  return parse(k8s.dumpYaml({ ...d, apiVersion: 'apps/v1', kind: 'Deployment' })) as Record<string, unknown>;
}

/** A 409 from server-side apply in words: who owns which field, and the choice the user has. */
function conflictError(e: unknown, object: string): UserError | undefined {
  const conflicts = fieldConflicts(e);
  if (!conflicts) return undefined;
  const list = conflicts.map((c) => `${c.field} is managed by "${c.manager}"`).join('; ');
  return new UserError(
    `${object} was not changed: its fields belong to another field manager (${list}). Change them where that manager's source is, or take them over with --force-conflicts (as kubectl apply --server-side --force-conflicts does)`,
  );
}
