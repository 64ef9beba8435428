import { setTimeout as sleep } from 'node:timers/promises';
import type { MetricsApiAnswer } from '@kubectl-certs/core';
import type { KubeConfig } from '@kubernetes/client-node';
import { readMetricsApi } from './gather.ts';

export interface VerifySettings {
  /** How long to wait in all for the metrics API to list every node. */
  waitMs: number;
  intervalMs: number;
  /**
   * How long every answer must have been right before it counts: the aggregator loads a changed
   * APIService a moment after the write, and until then it answers with the old settings (say,
   * insecureSkipTLSVerify), so a first success may prove nothing.
   */
  steadyMs: number;
  /** Each request's own limit. */
  timeoutMs: number;
}

/**
 * The proof of the APIService leg: GET /apis/metrics.k8s.io/v1beta1/nodes through the API server
 * (as kubectl top node asks) lists every node, and goes on doing so for `steadyMs`. Asked until it does or `waitMs` is over, because
 * the aggregator takes a few seconds to load a new caBundle and metrics-server to serve a new
 * certificate. The APIService's Available condition is not asked: on 1.20 it stays True while
 * every request fails verification. Returns the last answer (the aggregator's words on failure).
 */
export async function waitForMetricsApi(
  kc: KubeConfig,
  nodes: readonly string[],
  s: VerifySettings,
): Promise<{ ok: boolean; answer: MetricsApiAnswer }> {
  const deadline = Date.now() + s.waitMs;
  let rightSince: number | undefined;
  let lastWrong: MetricsApiAnswer | undefined;
  for (;;) {
    const answer = await readMetricsApi(kc, s.timeoutMs);
    const right = answer.ok && nodes.every((n) => answer.nodes.includes(n));
    if (!right) {
      rightSince = undefined;
      lastWrong = answer;
    } else rightSince ??= Date.now();
    if (rightSince !== undefined && Date.now() - rightSince >= s.steadyMs) return { ok: true, answer };
    // Out of time: the failure that broke the last run of right answers is the one to quote.
    if (Date.now() + s.intervalMs > deadline)
      return { ok: false, answer: right ? (lastWrong ?? answer) : answer };
    await sleep(s.intervalMs);
  }
}
