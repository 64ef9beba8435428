import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { withTimeout } from '../kube/timeout.ts';
import type { SavedObject } from './saved-object.ts';

/** What a rollback did: each object put back, and each it could not (with the server's words). */
export interface RollbackResult {
  restored: string[];
  failed: string[];
}

/**
 * Puts back what --apply changed, newest first: an object that did not exist is deleted, any other
 * is replaced by its saved state (at the current resourceVersion, so the replace is not refused as
 * stale). Goes on past a failure, so that as much as possible is restored, and says what is left.
 */
export async function rollback(
  kc: KubeConfig,
  saved: readonly SavedObject[],
  timeoutMs: number,
): Promise<RollbackResult> {
  const k8s = await import('@kubernetes/client-node');
  const api = k8s.KubernetesObjectApi.makeApiClient(kc);
  const result: RollbackResult = { restored: [], failed: [] };
  for (const s of [...saved].reverse()) {
    const ref = `${s.kind} ${s.namespace ? `${s.namespace}/` : ''}${s.name}`;
    const header = {
      apiVersion: s.apiVersion,
      kind: s.kind,
      metadata: { name: s.name, namespace: s.namespace },
    };
    try {
      if (!s.before) {
        await withTimeout(api.delete(header), timeoutMs, `deleting ${ref}`).catch((e: unknown) => {
          if ((e as { code?: unknown }).code !== 404) throw e;
        });
        result.restored.push(`deleted ${ref}`);
        continue;
      }
      const current = await withTimeout(api.read(header as never), timeoutMs, `reading ${ref}`);
      const before = s.before as KubernetesObject;
      const resourceVersion = (current as KubernetesObject).metadata?.resourceVersion;
      await withTimeout(
        api.replace({ ...before, metadata: { ...before.metadata, resourceVersion } }),
        timeoutMs,
        `restoring ${ref}`,
      );
      result.restored.push(`restored ${ref}`);
    } catch (e) {
      result.failed.push(`${ref}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  return result;
}
