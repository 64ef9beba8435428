import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { FIELD_MANAGER } from './server-side-apply.ts';
import { withTimeout } from './timeout.ts';

/**
 * A JSON merge patch (RFC 7386) under FIELD_MANAGER, for the objects server-side apply cannot
 * write: Kubernetes 1.20's aggregator serves APIServices without a field manager, and an apply
 * patch makes it panic ("FieldManager must be installed to run apply"; the client sees an HTTP/2
 * stream reset). Sets only the fields in `object`.
 */
export async function mergePatch<T extends KubernetesObject>(
  kc: KubeConfig,
  object: T,
  o: { dryRun: 'none' | 'server'; timeoutMs: number },
): Promise<T> {
  const k8s = await import('@kubernetes/client-node');
  const api = k8s.KubernetesObjectApi.makeApiClient(kc);
  const what = `patch ${object.kind} ${object.metadata?.namespace ? `${object.metadata.namespace}/` : ''}${object.metadata?.name}`;
  return withTimeout(
    api.patch(
      object,
      undefined,
      o.dryRun === 'server' ? 'All' : undefined,
      FIELD_MANAGER,
      undefined,
      k8s.PatchStrategy.MergePatch,
    ),
    o.timeoutMs,
    what,
  );
}
