import type { KubeConfig } from '@kubernetes/client-node';
import { readMetricsApi } from './gather.ts';
import { pollUntil } from './poll.ts';
import type { Outcome } from './rollout.ts';

export const METRICS_NODES_PATH = 'GET /apis/metrics.k8s.io/v1beta1/nodes';

/**
 * The proof of a leg: waits (at most `timeoutMs`) until the node metrics, asked through the API
 * server as `kubectl top node` asks, list every node. The reason it is not is the aggregator's or
 * the API server's own words (or the nodes still missing).
 */
export async function waitForMetrics(
  kc: KubeConfig,
  nodes: string[],
  timeoutMs: number,
  requestTimeoutMs: number,
  progress: (line: string) => void,
  signal?: AbortSignal,
): Promise<Outcome> {
  let shown = '';
  return pollUntil<Outcome>(
    timeoutMs,
    async () => {
      const answer = await readMetricsApi(kc, requestTimeoutMs);
      const missing = answer.ok ? nodes.filter((n) => !answer.nodes.includes(n)) : [];
      const reason = answer.ok
        ? `${METRICS_NODES_PATH} through the API server lists ${nodes.length - missing.length} of ${nodes.length} nodes; missing: ${missing.join(', ')}`
        : `${METRICS_NODES_PATH} through the API server failed: ${answer.error}`;
      if (answer.ok && missing.length === 0) {
        progress(`${METRICS_NODES_PATH} through the API server lists every node (${nodes.length})`);
        return { done: true, outcome: { ok: true } };
      }
      if (reason !== shown) {
        shown = reason;
        progress(shown);
      }
      return { done: false, reason };
    },
    signal,
  );
}
