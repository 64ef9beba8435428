import type { KubeConfig } from '@kubernetes/client-node';
import { readMetricsApi } from './gather.ts';
import { pollUntil } from './poll.ts';
import type { Outcome } from './rollout.ts';

export const METRICS_NODES_PATH = 'GET /apis/metrics.k8s.io/v1beta1/nodes';

export interface VerifyWait {
  /** --timeout: how long to wait in all. */
  timeoutMs: number;
  /** --request-timeout: each request's own limit. */
  requestTimeoutMs: number;
  /**
   * How long every answer must have been right before it counts. The aggregator loads a changed
   * APIService a moment after the write and answers with the old settings (insecureSkipTLSVerify)
   * until then, and during a rollout old and new pods answer in turn: one success proves nothing.
   */
  steadyMs: number;
  progress: (line: string) => void;
  signal?: AbortSignal | undefined;
}

/**
 * The proof of a leg: waits until the node metrics, asked through the API server as `kubectl top
 * node` asks, list every node, and go on doing so for `steadyMs`. The APIService's Available
 * condition is not asked: on 1.20 it stays True while every request fails verification. The reason
 * it is not proven is the aggregator's or the API server's own words (or the nodes missing): the
 * last wrong answer, when the right ones did not last.
 */
export async function waitForMetrics(kc: KubeConfig, nodes: string[], w: VerifyWait): Promise<Outcome> {
  let shown = '';
  let rightSince: number | undefined;
  let lastWrong: string | undefined;
  return pollUntil<Outcome>(
    w.timeoutMs,
    async () => {
      const answer = await readMetricsApi(kc, w.requestTimeoutMs);
      const missing = answer.ok ? nodes.filter((n) => !answer.nodes.includes(n)) : [];
      if (answer.ok && missing.length === 0) {
        rightSince ??= Date.now();
        if (Date.now() - rightSince >= w.steadyMs) {
          w.progress(`${METRICS_NODES_PATH} through the API server lists every node (${nodes.length})`);
          return { done: true, outcome: { ok: true } };
        }
        return {
          done: false,
          reason:
            lastWrong ??
            `${METRICS_NODES_PATH} through the API server lists every node, for less than ${w.steadyMs / 1000}s so far`,
        };
      }
      rightSince = undefined;
      lastWrong = answer.ok
        ? `${METRICS_NODES_PATH} through the API server lists ${nodes.length - missing.length} of ${nodes.length} nodes; missing: ${missing.join(', ')}`
        : `${METRICS_NODES_PATH} through the API server failed: ${answer.error}`;
      if (lastWrong !== shown) {
        shown = lastWrong;
        w.progress(shown);
      }
      return { done: false, reason: lastWrong };
    },
    w.signal,
  );
}
