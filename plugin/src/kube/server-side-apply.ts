import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { fieldConflicts } from './apply-conflict.ts';
import { withTimeout } from './timeout.ts';

/** The field manager of every write kubectl-certs makes (approver install, secure --apply). */
export const FIELD_MANAGER = 'kubectl-certs';

/**
 * The field manager of the APIService leg's edit of metrics-server's Deployment. A manager's apply
 * removes the fields it applied before and leaves out now, so the two legs' edits of one object
 * must be two managers: under one, the APIService leg's edit would remove the kubelet leg's
 * kube-root-ca.crt mount.
 */
export const APISERVICE_LEG_FIELD_MANAGER = 'kubectl-certs-apiservice-leg';

const ours = (manager: string) => manager === FIELD_MANAGER || manager === APISERVICE_LEG_FIELD_MANAGER;

/** kubectl's --dry-run values: none writes, server asks the API server to validate only. */
export type DryRun = 'none' | 'client' | 'server';

export interface ApplyOptions {
  dryRun: Exclude<DryRun, 'client'>;
  /** Take fields owned by another manager (kubectl apply --server-side --force-conflicts). */
  force?: boolean;
  timeoutMs: number;
  fieldManager?: string;
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
  try {
    return await applyOnce(kc, object, o, o.force ?? false);
  } catch (e) {
    // A container's args are one value: the other leg's manager owns them. Taking them from
    // ourselves is no conflict with anyone; any other manager's field still needs --force-conflicts.
    const conflicts = fieldConflicts(e);
    if (!conflicts?.every((c) => ours(c.manager))) throw e;
    return applyOnce(kc, object, o, true);
  }
}

async function applyOnce<T extends KubernetesObject>(
  kc: KubeConfig,
  object: T,
  o: ApplyOptions,
  force: boolean,
): Promise<T> {
  const k8s = await import('@kubernetes/client-node');
  const api = k8s.KubernetesObjectApi.makeApiClient(kc);
  const what = `apply ${object.kind} ${object.metadata?.namespace ? `${object.metadata.namespace}/` : ''}${object.metadata?.name}`;
  return withTimeout(
    api.patch(
      object,
      undefined,
      o.dryRun === 'server' ? 'All' : undefined,
      o.fieldManager ?? FIELD_MANAGER,
      force,
      k8s.PatchStrategy.ServerSideApply,
    ),
    o.timeoutMs,
    what,
  );
}
