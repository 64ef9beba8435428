import {
  type DeploymentApplyPatch,
  kubeletLegPatch,
  type PolicyOptions,
  type SecurePlan,
  type ServingValidity,
} from '@kubectl-certs/core';
import { AuthorizationV1Api, type KubeConfig } from '@kubernetes/client-node';
import { firstLine } from '../approve/report-item.ts';
import { describePermission, firstMissingPermission, type Permission } from '../kube/access-review.ts';
import { APISERVICE_LEG_FIELD_MANAGER, FIELD_MANAGER } from '../kube/server-side-apply.ts';
import { type OutputFormat, renderData } from '../output.ts';
import { UserError } from '../user-error.ts';
import { applyApiServiceLeg } from './apply-apiservice-leg.ts';
import { applyKubeletLeg, blockedBecause, type KubeletLegResult } from './apply-kubelet-leg.ts';
import type { Leg } from './legs.ts';
import { EXIT_CHANGES, EXIT_ROLLBACK_INCOMPLETE, EXIT_ROLLED_BACK } from './render.ts';
import { describeObject, type RollbackResult, rollback } from './rollback.ts';
import type { LegResult } from './saved-object.ts';
import { type VerifyWait, waitForMetrics } from './verify.ts';

// The APIService leg's answers must stay right this long: the aggregator answers with the old
// APIService for a moment after the write.
const APISERVICE_STEADY_MS = 10_000;

export interface ApplySettings {
  legs: readonly Leg[];
  /** Lifetimes of the serving certificate and of a new CA (the APIService leg). */
  validity?: ServingValidity | undefined;
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
 * Deployment, RBAC), then each leg in turn: apply it, verify it through the aggregator, and roll
 * that leg's saved objects back when its rollout or its verification fails (a leg that verified
 * stays; the next one is not tried).
 */
export async function applySecure(
  kc: KubeConfig,
  plan: SecurePlan,
  replan: () => Promise<SecurePlan>,
  s: ApplySettings,
): Promise<CommandResult> {
  refuseExternalManager(plan);
  if (s.dryRun === 'client') return clientDryRun(kc, plan, s);
  await requireWritePermissions(kc, plan, s.timeoutMs);
  const wait = (steadyMs: number): VerifyWait => ({
    timeoutMs: s.waitMs,
    requestTimeoutMs: s.timeoutMs,
    steadyMs,
    progress: s.progress,
    signal: s.signal,
  });
  const nodesToVerify = (p: SecurePlan) => {
    const accepted = new Set(p.kubeletLeg.accepted.map((a) => a.node));
    return p.kubelets.map((k) => k.node).filter((n) => !accepted.has(n));
  };
  const done: LegReport[] = [];
  let current = plan;
  if (s.legs.includes('kubelet')) {
    const kubelet = await applyKubeletLeg(kc, plan, replan, { ...s, dryRun: s.dryRun });
    current = kubelet.plan;
    let failure = kubelet.failure;
    if (!failure && kubelet.saved.length && s.dryRun === 'none') {
      const verified = await waitForMetrics(kc, nodesToVerify(current), wait(0));
      if (!verified.ok) failure = `not verified: ${verified.reason}`;
    }
    done.push(await settle(kc, { result: kubelet, failure }, s));
    if (failure) return report(current, done, s.output);
  }
  if (s.legs.includes('apiservice')) {
    const leg = await applyApiServiceLegSaving(kc, current, s);
    if (!leg.failure && leg.result.saved.length && s.dryRun === 'none') {
      const verified = await waitForMetrics(kc, nodesToVerify(current), wait(APISERVICE_STEADY_MS));
      if (!verified.ok) leg.failure = `not verified: ${verified.reason}`;
    }
    done.push(await settle(kc, leg, s));
  }
  return s.dryRun === 'server' ? serverDryRun(current, done, s.output) : report(current, done, s.output);
}

interface LegReport {
  result: LegResult & Partial<Pick<KubeletLegResult, 'approvals' | 'applied'>>;
  failure?: string | undefined;
  rolledBack?: RollbackResult | undefined;
}

/** A leg that failed is rolled back (never with a dry run: nothing was written). */
async function settle(kc: KubeConfig, leg: LegReport, s: ApplySettings): Promise<LegReport> {
  if (!leg.failure || s.dryRun !== 'none') return leg;
  return { ...leg, rolledBack: await rollback(kc, leg.result.saved, s.waitMs, s.timeoutMs) };
}

/** The APIService leg; a write that fails half-way is a failure of the leg, with what it saved. */
async function applyApiServiceLegSaving(
  kc: KubeConfig,
  plan: SecurePlan,
  s: ApplySettings,
): Promise<LegReport> {
  try {
    const result = await applyApiServiceLeg(kc, plan, {
      dryRun: s.dryRun,
      timeoutMs: s.timeoutMs,
      validity: s.validity,
      force: s.forceConflicts,
    });
    return { result };
  } catch (e) {
    const saved = (e as { saved?: LegResult['saved'] }).saved;
    if (!saved?.length || s.dryRun !== 'none') throw e;
    const changes = saved.flatMap((o) => (o.change ? [o.change] : []));
    return { result: { leg: 'apiservice', changes, saved }, failure: firstLine(e) };
  }
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
async function clientDryRun(kc: KubeConfig, plan: SecurePlan, s: ApplySettings): Promise<CommandResult> {
  const kubelet = s.legs.includes('kubelet') ? wouldApply(plan) : [];
  // The APIService leg edits the container's args as the kubelet leg leaves them.
  const args = (kubelet[0] as DeploymentApplyPatch | undefined)?.spec.template.spec.containers[0]?.args as
    | string[]
    | undefined;
  const api = s.legs.includes('apiservice')
    ? await applyApiServiceLeg(kc, plan, {
        dryRun: 'client',
        timeoutMs: s.timeoutMs,
        validity: s.validity,
        containerArgs: args,
      })
    : undefined;
  const objects = [...kubelet, ...(api?.objects ?? [])];
  const refusal = s.legs.includes('kubelet') ? blockedBecause(plan) : undefined;
  const warnings = refusal ? `warning: ${refusal}\n` : '';
  if (s.output !== 'table')
    return { output: `${renderData(list(objects), s.output)}\n`, warnings, exitCode: exitOf(objects) };
  const changes = api?.changes.length
    ? `APIService leg (--dry-run=client: nothing was sent):\n${api.changes.map((c) => `  ${c}\n`).join('')}`
    : '';
  const body = objects.length
    ? `${changes}Would apply (server-side apply, ${managersOf(kubelet.length > 0, api?.objects ?? [])}; --dry-run=client: nothing was sent):\n${objects.map((o) => `---\n${renderData(o, 'yaml')}\n`).join('')}`
    : `Nothing to apply: ${legNames(s.legs)} verif${s.legs.length > 1 ? 'y' : 'ies'} already.\n`;
  return { output: body, warnings, exitCode: exitOf(objects) };
}

/** Which field managers send the objects: the APIService leg's Deployment edit is its own. */
function managersOf(kubelet: boolean, api: object[]): string {
  const deployment = api.some((o) => (o as { kind?: string }).kind === 'Deployment');
  const names = [
    ...(kubelet || api.length > (deployment ? 1 : 0) ? [FIELD_MANAGER] : []),
    ...(deployment ? [APISERVICE_LEG_FIELD_MANAGER] : []),
  ];
  return `field manager${names.length > 1 ? 's' : ''} ${names.join(' and ')}`;
}

const legNames = (legs: readonly Leg[]) =>
  legs.map((l) => (l === 'kubelet' ? 'the kubelet leg' : 'the APIService leg')).join(' and ');

function wouldApply(plan: SecurePlan): object[] {
  const p = kubeletLegPatch(plan.kubeletLeg.before, plan.kubeletLeg.after);
  if (!p.ok) throw new UserError(`the kubelet leg cannot be applied: ${p.reason}`, EXIT_CHANGES);
  return p.patch ? [p.patch] : [];
}

/** --dry-run=server: what the API server would store, nothing changed. */
function serverDryRun(plan: SecurePlan, legs: LegReport[], output: OutputFormat): CommandResult {
  const kubelet = legs.find((l) => l.result.leg === 'kubelet')?.result as KubeletLegResult | undefined;
  const api = legs.find((l) => l.result.leg === 'apiservice')?.result;
  const stored = kubelet?.stored ? [kubelet.stored] : [];
  const objects = [...stored, ...(api?.objects ?? [])];
  const approvals = (kubelet?.approvals ?? []).filter((a) => a.action === 'would approve');
  // The approvals were only decided: a kubelet waiting for one still blocks, and --apply would wait for it.
  const refusal = kubelet ? blockedBecause(kubelet.plan) : undefined;
  const warnings = [...(refusal ? [refusal] : []), ...(api?.warnings ?? [])]
    .map((w) => `warning: ${w}\n`)
    .join('');
  if (output !== 'table')
    return { output: `${renderData(list(objects), output)}\n`, warnings, exitCode: exitOf(objects) };
  const lines = [
    ...approvals.map((a) => `would approve ${a.name} (${a.node})`),
    ...(kubelet
      ? kubelet.stored
        ? [
            `The API server would store (--dry-run=server: nothing was changed):`,
            renderData(podTemplateFields(kubelet.stored), 'yaml'),
          ]
        : ['Nothing to apply: the kubelet leg verifies already.']
      : []),
    ...(api
      ? api.changes.length
        ? [
            `APIService leg of ${plan.metricsServer.namespace}/${plan.metricsServer.name}, accepted by the API server (--dry-run=server: nothing was changed):`,
            ...api.changes.map((c) => `  ${c}`),
          ]
        : ['Nothing to apply: the APIService leg verifies already.']
      : []),
  ];
  return { output: `${lines.join('\n')}\n`, warnings, exitCode: exitOf(objects) };
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

const LEG_TITLE: Record<Leg, string> = { kubelet: 'Kubelet leg', apiservice: 'APIService leg' };
const LEG_NAME: Record<Leg, string> = { kubelet: 'kubelet leg', apiservice: 'APIService leg' };

function stateOf(l: LegReport): string {
  if (!l.failure) return l.result.saved.length ? 'verified' : 'unchanged';
  return l.rolledBack?.failed.length ? 'rollback incomplete' : 'rolled back';
}

function report(plan: SecurePlan, legs: LegReport[], output: OutputFormat): CommandResult {
  const ms = plan.metricsServer;
  const failed = legs.find((l) => l.failure);
  const incomplete = legs.some((l) => l.rolledBack?.failed.length);
  const exitCode = !failed ? 0 : incomplete ? EXIT_ROLLBACK_INCOMPLETE : EXIT_ROLLED_BACK;
  // Each object with its own change (the kubelet leg's one Deployment: all the leg's changes).
  const changeOf = (l: LegReport, object: string) =>
    l.result.saved.find((s) => describeObject(s) === object)?.change ?? l.result.changes.join('; ');
  const leftOf = (l: LegReport) =>
    (l.rolledBack?.failed ?? []).map((f) =>
      f.left === 'restored'
        ? `${f.object} is put back, but ${f.reason}`
        : `${f.object} ${f.left === 'as-applied' ? 'is' : 'may be'} left as --apply made it (${changeOf(l, f.object)}): ${f.reason}`,
    );
  const warnings = legs
    .flatMap((l) => [
      ...(l.failure ? [`error: the ${LEG_NAME[l.result.leg]} failed: ${l.failure}`] : []),
      ...leftOf(l).map((x) => `error: rollback incomplete: ${x}`),
    ])
    .map((l) => `${l}\n`)
    .join('');
  if (output !== 'table') {
    const doc = {
      apiVersion: RESULT_API_VERSION,
      kind: 'SecureMetricsServerResult',
      metricsServer: { namespace: ms.namespace, name: ms.name },
      legs: legs.map((l) => ({
        leg: l.result.leg,
        state: stateOf(l),
        changes: l.result.changes,
        ...(l.result.approvals ? { approvals: l.result.approvals } : {}),
        ...(l.result.applied ? { applied: l.result.applied } : {}),
        ...(l.failure ? { failure: l.failure } : {}),
        ...(l.rolledBack ? { rollback: l.rolledBack } : {}),
      })),
    };
    return { output: `${renderData(doc, output)}\n`, warnings, exitCode };
  }
  const lines: string[] = [];
  for (const l of legs) {
    lines.push(`${LEG_TITLE[l.result.leg]} of Deployment ${ms.namespace}/${ms.name}: ${stateOf(l)}`);
    for (const a of l.result.approvals ?? []) lines.push(`  ${a.action} ${a.name} (${a.node}): ${a.reason}`);
    for (const c of l.result.saved.length ? l.result.changes : []) lines.push(`  changed: ${c}`);
    if (l.result.saved.length === 0 && !l.failure) lines.push('  nothing to change: it verifies already');
    if (l.failure) lines.push(`  ${l.failure}`);
    for (const r of l.rolledBack?.restored ?? []) lines.push(`  rolled back: ${r} restored`);
    for (const x of leftOf(l)) lines.push(`  rollback incomplete: ${x}`);
  }
  return { output: `${lines.join('\n')}\n`, warnings, exitCode };
}
