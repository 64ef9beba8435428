import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { withTimeout } from './timeout.ts';

/** The field manager of every write kubectl-certs makes (approver install, secure --apply). */
export const FIELD_MANAGER = 'kubectl-certs';

/** kubectl's --dry-run values: none writes, server asks the API server to validate only. */
export type DryRun = 'none' | 'client' | 'server';

export interface ApplyOptions {
  dryRun: Exclude<DryRun, 'client'>;
  /** Take fields owned by another manager (kubectl apply --server-side --force-conflicts). */
  force?: boolean;
  timeoutMs: number;
}

/**
 * Server-side apply of one whole object under FIELD_MANAGER: the API server merges it field by
 * field and answers 409 when another manager owns a field we set (unless forced). Returns the
 * object as stored (or as it would be, with a server dry run).
 */
export async function serverSideApply<T extends KubernetesObject>(
  kc: KubeConfig,
  object: T,
  o: ApplyOptions,
): Promise<T> {
  const k8s = await import('@kubernetes/client-node');
  const api = k8s.KubernetesObjectApi.makeApiClient(kc);
  const what = `apply ${object.kind} ${object.metadata?.namespace ? `${object.metadata.namespace}/` : ''}${object.metadata?.name}`;
  return withTimeout(
    api.patch(
      object,
      undefined,
      o.dryRun === 'server' ? 'All' : undefined,
      FIELD_MANAGER,
      o.force ?? false,
      k8s.PatchStrategy.ServerSideApply,
    ),
    o.timeoutMs,
    what,
  );
}
