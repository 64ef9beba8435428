import {
  DEFAULT_ADDRESS_TYPES,
  type IssuerChoice,
  type KubeletFacts,
  metricsServerChartValues,
  planSecureMetricsServer,
  type SecurePlan,
} from '@kubectl-certs/core';
import type { KubeConfig } from '@kubernetes/client-node';
import { createTwoFilesPatch } from 'diff';
import { parseDuration } from '../duration.ts';
import { inspectKubelets } from '../inspect/gather.ts';
import { loadKubeConfig } from '../kube/kubeconfig.ts';
import { type OutputFormat, renderData } from '../output.ts';
import { type ApplySettings, applySecure, type CommandResult } from './apply.ts';
import type { ApproverWanted } from './find-approver.ts';
import { gatherSecureInput, type SecureInput } from './gather.ts';
import { EXIT_CHANGES, renderPlan } from './render.ts';

export interface SecureSettings {
  kubeconfig?: string | undefined;
  context?: string | undefined;
  timeoutMs: number;
  output: OutputFormat;
  namespace?: string | undefined;
  name?: string | undefined;
  selector?: string | undefined;
  /** --approver-namespace, --approver-name: where the approver is, when it is not to be looked for. */
  approver?: ApproverWanted | undefined;
  allowUnverifiedNodes: string[];
  /** --issuer: where the serving certificate comes from (auto: cert-manager when it runs). */
  issuer?: IssuerChoice | undefined;
  kubeletTimeout: string;
  printValues?: boolean;
  /** --apply, or a --dry-run of it; absent: the plan only. */
  apply?: Omit<ApplySettings, 'output' | 'timeoutMs'> | undefined;
}

/** Reads the cluster and plans both legs; renders the plan, or applies it (--apply, --dry-run). */
export async function secureMetricsServer(s: SecureSettings): Promise<CommandResult> {
  const { kc } = loadKubeConfig(s);
  const { plan, input } = await planFromCluster(kc, s);
  if (s.printValues) {
    const values = metricsServerChartValues(input.args, plan.apiServiceLeg.issuer === 'cert-manager');
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
  const diff = kubeletDiff(plan);
  const planOutput =
    s.output === 'table'
      ? renderPlan(plan, diff)
      : `${renderData({ ...plan, kubeletLeg: { ...plan.kubeletLeg, diff } }, s.output)}\n`;
  if (!s.apply) return { output: planOutput, warnings: '', exitCode: plan.done ? 0 : EXIT_CHANGES };
  const applied = await applySecure(kc, plan, async () => (await planFromCluster(kc, s)).plan, {
    ...s.apply,
    output: s.output,
    timeoutMs: s.timeoutMs,
  });
  // --dry-run=client in a table shows the plan before the objects it would send.
  return s.apply.dryRun === 'client' && s.output === 'table'
    ? { ...applied, output: `${planOutput}\n${applied.output}` }
    : applied;
}

/** Everything read from the cluster, and the plan made of it. */
async function planFromCluster(
  kc: KubeConfig,
  s: SecureSettings,
): Promise<{ plan: SecurePlan; input: SecureInput }> {
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
    issuer: s.issuer,
    now,
  });
  return { plan, input };
}

/** The kubelet leg's Deployment edit as a unified diff (empty when nothing changes). */
function kubeletDiff(plan: SecurePlan): string {
  const ref = `deployment/${plan.metricsServer.namespace}/${plan.metricsServer.name}`;
  return plan.kubeletLeg.after === plan.kubeletLeg.before
    ? ''
    : createTwoFilesPatch(`a/${ref}`, `b/${ref}`, plan.kubeletLeg.before, plan.kubeletLeg.after, '', '')
        .split('\n')
        .slice(1)
        .join('\n')
        .trimEnd();
}

/** metrics-server's --kubelet-preferred-address-types: the address it dials, so the one we judge. */
function preferredAddressTypes(args: string[]): string[] {
  const flag = args.find((a) => a.startsWith('--kubelet-preferred-address-types='));
  return flag
    ? (flag.split('=')[1]?.split(',').filter(Boolean) ?? DEFAULT_ADDRESS_TYPES)
    : DEFAULT_ADDRESS_TYPES;
}
