import { KUBELET_SERVING_SIGNER } from '@kubectl-certs/core';
import type { AuthorizationV1Api } from '@kubernetes/client-node';
import { UserError } from '../user-error.ts';
import { withTimeout } from './timeout.ts';

export interface Permission {
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  name?: string;
  namespace?: string;
}

export function describePermission(p: Permission): string {
  const res = `${p.resource}${p.subresource ? `/${p.subresource}` : ''}${p.name ? ` "${p.name}"` : ''}`;
  return `${p.verb} ${res}${p.group ? ` (${p.group})` : ''}${p.namespace ? ` in namespace ${p.namespace}` : ''}`;
}

/**
 * Asks the API server (SelfSubjectAccessReview) whether we may do each thing, before writing
 * anything; the first missing permission becomes one line saying how to grant it.
 */
export async function requirePermissions(
  api: AuthorizationV1Api,
  perms: readonly Permission[],
  timeoutMs: number,
  grant = 'kubectl certs rbac --user <you>',
): Promise<void> {
  const missing = await firstMissingPermission(api, perms, timeoutMs);
  if (missing)
    throw new UserError(
      `missing permission: ${describePermission(missing)}; grant the approver role with: ${grant} | kubectl apply -f -`,
    );
}

/** The first of `perms` the API server says we may not do (SelfSubjectAccessReview), if any. */
export async function firstMissingPermission(
  api: AuthorizationV1Api,
  perms: readonly Permission[],
  timeoutMs: number,
): Promise<Permission | undefined> {
  for (const p of perms) {
    const review = await withTimeout(
      api.createSelfSubjectAccessReview({
        body: {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SelfSubjectAccessReview',
          spec: {
            resourceAttributes: {
              verb: p.verb,
              group: p.group,
              resource: p.resource,
              ...(p.subresource ? { subresource: p.subresource } : {}),
              ...(p.name ? { name: p.name } : {}),
              ...(p.namespace ? { namespace: p.namespace } : {}),
            },
          },
        },
      }),
      timeoutMs,
      'checking permissions',
    );
    if (!review.status?.allowed) return p;
  }
  return undefined;
}

/** What `approver run` needs besides an approver's permissions: its Lease, and Events on CSRs. */
export function controllerPermissions(leaseNamespace: string, eventNamespace: string): Permission[] {
  return [
    ...APPROVER_PERMISSIONS,
    { verb: 'watch', group: 'certificates.k8s.io', resource: 'certificatesigningrequests' },
    { verb: 'watch', group: '', resource: 'nodes' },
    ...['get', 'create', 'update'].map((verb) => ({
      verb,
      group: 'coordination.k8s.io',
      resource: 'leases',
      namespace: leaseNamespace,
    })),
    { verb: 'create', group: '', resource: 'events', namespace: eventNamespace },
  ];
}

export const APPROVER_PERMISSIONS: readonly Permission[] = [
  { verb: 'list', group: 'certificates.k8s.io', resource: 'certificatesigningrequests' },
  { verb: 'list', group: '', resource: 'nodes' },
  {
    verb: 'update',
    group: 'certificates.k8s.io',
    resource: 'certificatesigningrequests',
    subresource: 'approval',
  },
  {
    verb: 'approve',
    group: 'certificates.k8s.io',
    resource: 'signers',
    name: KUBELET_SERVING_SIGNER,
  },
];
