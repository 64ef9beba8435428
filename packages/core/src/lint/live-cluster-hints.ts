import { RULES } from './lint.ts';
import type { Finding } from './types.ts';

/** The command that takes a live cluster where lint's fixes take files. */
export const SECURE_METRICS_SERVER_COMMAND = 'kubectl certs secure metrics-server';

const HINTS = {
  apply: `on a live cluster, \`${SECURE_METRICS_SERVER_COMMAND}\` plans both TLS legs of metrics-server from what the cluster holds, and \`--apply\` carries the plan out (verified through the API server, rolled back if it fails)`,
  'print-values': `for a Helm release, \`${SECURE_METRICS_SERVER_COMMAND} --print-values\` prints the chart values that verify both legs, from what the live cluster holds`,
} as const;

/** One hint per kind of live-cluster step that the findings' rules have, in a fixed order. */
export function liveClusterHints(findings: readonly Pick<Finding, 'ruleId'>[]): string[] {
  const kinds = new Set(findings.map((f) => RULES.find((r) => r.id === f.ruleId)?.liveCluster));
  return (Object.keys(HINTS) as (keyof typeof HINTS)[]).filter((k) => kinds.has(k)).map((k) => HINTS[k]);
}
