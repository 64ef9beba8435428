import { setTimeout as sleep } from 'node:timers/promises';
import type { MetricsApiAnswer } from '@kubectl-certs/core';
import type { KubeConfig } from '@kubernetes/client-node';
import { readMetricsApi } from './gather.ts';

export interface VerifySettings {
  /** How long to wait in all for the metrics API to list every node. */
  waitMs: number;
  intervalMs: number;
  /** Each request's own limit. */
  timeoutMs: number;
}

/**
 * The proof of the APIService leg: GET /apis/metrics.k8s.io/v1beta1/nodes through the API server
 * (as kubectl top node asks) lists every node. Asked until it does or `waitMs` is over, because
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
  for (;;) {
    const answer = await readMetricsApi(kc, s.timeoutMs);
    if (answer.ok && nodes.every((n) => answer.nodes.includes(n))) return { ok: true, answer };
    if (Date.now() + s.intervalMs > deadline) return { ok: false, answer };
    await sleep(s.intervalMs);
  }
}
