import { rolloutStatus } from '@kubectl-certs/core';
import { AppsV1Api, type KubeConfig } from '@kubernetes/client-node';
import { withTimeout } from '../kube/timeout.ts';
import { pollUntil } from './poll.ts';

export type Outcome = { ok: true } | { ok: false; reason: string };

/**
 * Waits (at most `timeoutMs`) until the Deployment has rolled out as `kubectl rollout status`
 * judges it, printing kubectl's progress lines as they change. A failed read is waited past (the
 * next poll may succeed) and, when time runs out, is the reason given.
 */
export async function waitForRollout(
  kc: KubeConfig,
  ref: { namespace: string; name: string },
  timeoutMs: number,
  requestTimeoutMs: number,
  progress: (line: string) => void,
  signal?: AbortSignal,
): Promise<Outcome> {
  const apps = kc.makeApiClient(AppsV1Api);
  let shown = '';
  return pollUntil<Outcome>(
    timeoutMs,
    async () => {
      const d = await withTimeout(
        apps.readNamespacedDeployment(ref),
        requestTimeoutMs,
        `reading Deployment ${ref.namespace}/${ref.name}`,
      );
      const s = rolloutStatus({
        name: ref.name,
        generation: d.metadata?.generation,
        replicas: d.spec?.replicas,
        status: {
          observedGeneration: d.status?.observedGeneration,
          replicas: d.status?.replicas,
          updatedReplicas: d.status?.updatedReplicas,
          availableReplicas: d.status?.availableReplicas,
          conditions: d.status?.conditions?.map((c) => ({ type: c.type, reason: c.reason })),
        },
      });
      if (s.message !== shown) {
        shown = s.message;
        progress(shown);
      }
      if (s.state === 'failed') return { done: true, outcome: { ok: false, reason: s.message } };
      return s.state === 'done' ? { done: true, outcome: { ok: true } } : { done: false, reason: s.message };
    },
    signal,
  );
}
