import {
  DEFAULT_ADDRESS_TYPES,
  type KubeletFacts,
  metricsServerChartValues,
  planSecureMetricsServer,
  type SecurePlan,
  type ServingValidity,
} from '@kubectl-certs/core';
import type { KubeConfig } from '@kubernetes/client-node';
import { createTwoFilesPatch } from 'diff';
import { parseDuration } from '../duration.ts';
import { inspectKubelets } from '../inspect/gather.ts';
import { loadKubeConfig } from '../kube/kubeconfig.ts';
import type { DryRun } from '../kube/server-side-apply.ts';
import { type OutputFormat, renderData } from '../output.ts';
import { UserError } from '../user-error.ts';
import { applyApiServiceLeg } from './apply-apiservice-leg.ts';
import { gatherSecureInput } from './gather.ts';
import { EXIT_CHANGES, renderPlan } from './render.ts';
import { rollback } from './rollback.ts';
import type { SavedObject } from './saved-object.ts';
import { waitForMetricsApi } from './verify-metrics-api.ts';

export interface SecureSettings {
  kubeconfig?: string | undefined;
  context?: string | undefined;
  timeoutMs: number;
  output: OutputFormat;
  namespace?: string | undefined;
  name?: string | undefined;
  selector?: string | undefined;
  allowUnverifiedNodes: string[];
  kubeletTimeout: string;
  printValues?: boolean;
  // --- --apply of the APIService leg (issue 15 point 3); the kubelet leg's is on branch secure-apply.
  apply?: boolean;
  dryRun?: DryRun;
  /** How long the verify step waits for the metrics API to list every node. */
  verifyWaitMs?: number;
  validity?: ServingValidity;
}

/** Reads the cluster, plans both legs, and renders the plan; writes nothing. */
export async function secureMetricsServer(
  s: SecureSettings,
): Promise<{ output: string; warnings: string; exitCode: number }> {
  const { kc } = loadKubeConfig(s);
  const input = await gatherSecureInput(kc, s);
  const now = new Date();
  const verdicts = await inspectKubelets(kc, {
    nodes: [],
    all: true,
    preferredAddressTypes: preferredAddressTypes(input.args),
    kubeletTimeoutMs: parseDuration(s.kubeletTimeout, '--kubelet-timeout'),
    timeoutMs: s.timeoutMs,
    concurrency: 16,
    now,
  });
  const kubelets: KubeletFacts[] = verdicts.map((v) => ({
    node: v.node,
    verifies: v.verdict === 'OK',
    reason: v.cause ?? 'OK',
    selfSigned: v.certificate?.selfSigned === true,
  }));
  const plan = planSecureMetricsServer({
    ...input,
    kubelets,
    allowUnverifiedNodes: s.allowUnverifiedNodes,
    now,
  });
  if (s.printValues) {
    const values = metricsServerChartValues(input.args, input.certManager);
    const header = `# metrics-server chart values: verified TLS on both legs (kubectl certs secure metrics-server --print-values)\n`;
    const failing = plan.kubelets.filter((k) => !k.verifies);
    return {
      output:
        s.output === 'json' ? `${renderData(values, 'json')}\n` : `${header}${renderData(values, 'yaml')}\n`,
      warnings: failing
        .map((k) => `warning: kubelet ${k.node} would fail verification: ${k.reason}\n`)
        .join(''),
      exitCode: 0,
    };
  }
  if (s.apply) return applyApiService(kc, plan, s);
  const ref = `deployment/${plan.metricsServer.namespace}/${plan.metricsServer.name}`;
  const diff =
    plan.kubeletLeg.after === plan.kubeletLeg.before
      ? ''
      : createTwoFilesPatch(`a/${ref}`, `b/${ref}`, plan.kubeletLeg.before, plan.kubeletLeg.after, '', '')
          .split('\n')
          .slice(1)
          .join('\n')
          .trimEnd();
  const output =
    s.output === 'table'
      ? renderPlan(plan, diff)
      : `${renderData({ ...plan, kubeletLeg: { ...plan.kubeletLeg, diff } }, s.output)}\n`;
  return { output, warnings: '', exitCode: plan.done ? 0 : EXIT_CHANGES };
}

/** metrics-server's --kubelet-preferred-address-types: the address it dials, so the one we judge. */
function preferredAddressTypes(args: string[]): string[] {
  const flag = args.find((a) => a.startsWith('--kubelet-preferred-address-types='));
  return flag
    ? (flag.split('=')[1]?.split(',').filter(Boolean) ?? DEFAULT_ADDRESS_TYPES)
    : DEFAULT_ADDRESS_TYPES;
}

// --- --apply of the APIService leg (issue 15 point 3): apply, verify through the aggregator, or
// put back what was changed. The lead merges it with the kubelet leg's --apply (branch secure-apply).
const VIA = 'GET /apis/metrics.k8s.io/v1beta1/nodes through the API server';

async function applyApiService(
  kc: KubeConfig,
  plan: SecurePlan,
  s: SecureSettings,
): Promise<{ output: string; warnings: string; exitCode: number }> {
  const dryRun = s.dryRun ?? 'none';
  let result: Awaited<ReturnType<typeof applyApiServiceLeg>>;
  try {
    result = await applyApiServiceLeg(kc, plan, { dryRun, timeoutMs: s.timeoutMs, validity: s.validity });
  } catch (e) {
    const saved = (e as { saved?: SavedObject[] }).saved;
    if (!saved?.length || dryRun !== 'none') throw e;
    const back = await rollback(kc, saved, s.timeoutMs);
    throw new UserError(`${(e as Error).message}; ${rolledBack(back)}`);
  }
  const report: Record<string, unknown> = { leg: result.leg, dryRun, changes: result.changes };
  const lines = [
    `APIService leg: ${result.changes.length ? 'applied' : 'nothing to change'}${dryRun === 'none' ? '' : ` (dry run: ${dryRun}, nothing written)`}`,
    ...result.changes.map((c) => `  ${c}`),
  ];
  let exitCode = 0;
  let warnings = '';
  if (dryRun === 'none' && result.changes.length) {
    const nodes = plan.kubelets.map((k) => k.node);
    const v = await waitForMetricsApi(kc, nodes, {
      waitMs: s.verifyWaitMs ?? 120_000,
      intervalMs: 1_000,
      steadyMs: 10_000,
      timeoutMs: s.timeoutMs,
    });
    report.verified = v.ok;
    report.metricsApi = v.answer;
    if (v.ok) lines.push(`verified: ${VIA} lists every node (${nodes.length})`);
    else {
      const why = v.answer.ok
        ? `${VIA} lists ${v.answer.nodes.length} of ${nodes.length} nodes`
        : `${VIA} failed: ${v.answer.error}`;
      const back = await rollback(kc, result.saved, s.timeoutMs);
      report.rollback = back;
      lines.push(
        `not verified: ${why}`,
        ...back.restored.map((r) => `  ${r}`),
        ...back.failed.map((f) => `  NOT put back: ${f}`),
      );
      warnings = `error: the APIService leg did not verify: ${why}; ${rolledBack(back)}\n`;
      exitCode = 1;
    }
  }
  const output = s.output === 'table' ? `${lines.join('\n')}\n` : `${renderData(report, s.output)}\n`;
  return { output, warnings, exitCode };
}

function rolledBack(back: Awaited<ReturnType<typeof rollback>>): string {
  return back.failed.length
    ? `rolled back, except: ${back.failed.join('; ')}`
    : 'everything it changed was put back';
}
