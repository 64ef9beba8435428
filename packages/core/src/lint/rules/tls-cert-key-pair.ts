import type { Scalar } from 'yaml';
import { type FlagUse, flagUses } from '../container-flags.ts';
import { metricsServerContainers } from '../document-kind.ts';
import { resolveFile } from '../pod-volumes.ts';
import { textRange } from '../source-text.ts';
import type { Finding, Rule, RuleContext } from '../types.ts';

const ID = 'tls-cert-key-pair';
const CERT = 'tls-cert-file';
const KEY = 'tls-private-key-file';

function finding(ctx: RuleContext, node: Scalar, message: string): Finding {
  const [start, end] = node.range ?? [0, 0];
  return { ruleId: ID, severity: 'error', message, range: textRange(ctx.lineCounter, start, end), fixes: [] };
}

function unreadable(
  ctx: RuleContext,
  use: FlagUse,
  flag: string,
  check: (path: string) => ReturnType<typeof resolveFile>,
): Finding[] {
  if (!use.value || !use.valueNode) return [finding(ctx, use.node, `--${flag} has no value.`)];
  const r = check(use.value);
  if (r.status === 'provided') return [];
  const why =
    r.status === 'not-mounted'
      ? 'is not in any volumeMount of this container'
      : r.status === 'no-volume'
        ? `is mounted from "${r.mount}", which is no volume of the pod`
        : `is not among the files of volume ${r.volume} (${r.available.join(', ') || 'none'})`;
  return [
    finding(
      ctx,
      use.valueNode,
      `--${flag}=${use.value} ${why}: metrics-server cannot read it and does not start.`,
    ),
  ];
}

/**
 * metrics-server serves the API server with --tls-cert-file and --tls-private-key-file: both or
 * neither ("missing filename for serving cert"), each a file its container can read.
 */
export const tlsCertKeyPair: Rule = {
  id: ID,
  severity: 'error',
  summary:
    'metrics-server has --tls-cert-file without --tls-private-key-file (or the reverse), or one of them is not mounted.',
  check(ctx) {
    // A patch lacks the mounts of the object it patches: whether a file is mounted is unknown.
    if (ctx.kind !== 'metrics-server-workload' || ctx.partial) return [];
    return metricsServerContainers(ctx.doc).flatMap(({ container, podSpec }) => {
      const cert = flagUses(container, CERT);
      const key = flagUses(container, KEY);
      const check = (path: string) => resolveFile(podSpec, container, path);
      const lonely = (uses: FlagUse[], has: string, lacks: string) =>
        uses.map((u) =>
          finding(
            ctx,
            u.node,
            `--${has} without --${lacks}: metrics-server refuses to start ("missing filename for serving cert"). Give both, from the same Secret.`,
          ),
        );
      if (cert.length > 0 && key.length === 0) return lonely(cert, CERT, KEY);
      if (key.length > 0 && cert.length === 0) return lonely(key, KEY, CERT);
      return [
        ...cert.flatMap((u) => unreadable(ctx, u, CERT, check)),
        ...key.flatMap((u) => unreadable(ctx, u, KEY, check)),
      ];
    });
  },
};
