import {
  DEFAULT_ADDRESS_TYPES,
  type KubeletFacts,
  metricsServerChartValues,
  planSecureMetricsServer,
} from '@kubectl-certs/core';
import { createTwoFilesPatch } from 'diff';
import { parseDuration } from '../duration.ts';
import { inspectKubelets } from '../inspect/gather.ts';
import { loadKubeConfig } from '../kube/kubeconfig.ts';
import { type OutputFormat, renderData } from '../output.ts';
import { gatherSecureInput } from './gather.ts';
import { EXIT_CHANGES, renderPlan } from './render.ts';

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
