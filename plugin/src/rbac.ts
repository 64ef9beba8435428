import { KUBELET_SERVING_SIGNER } from '@kubectl-certs/core';

/** The least an approver needs: read CSRs and Nodes, update approvals, approve for one signer. */
export const APPROVER_RULES = [
  {
    apiGroups: ['certificates.k8s.io'],
    resources: ['certificatesigningrequests'],
    verbs: ['get', 'list', 'watch'],
  },
  {
    apiGroups: ['certificates.k8s.io'],
    resources: ['certificatesigningrequests/approval'],
    verbs: ['update'],
  },
  {
    apiGroups: ['certificates.k8s.io'],
    resources: ['signers'],
    resourceNames: [KUBELET_SERVING_SIGNER],
    verbs: ['approve'],
  },
  { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch'] },
];

export interface RbacSubject {
  kind: 'User' | 'Group' | 'ServiceAccount';
  name: string;
  namespace?: string;
  apiGroup?: string;
}

/** What `approver run` needs besides: its Lease (in its namespace). */
export const LEASE_RULES = [
  { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] },
];
/** ...and Events on CSRs, which go to "default" as client-go records Events of cluster-scoped objects. */
export const EVENT_RULES = [{ apiGroups: [''], resources: ['events'], verbs: ['create'] }];
export const EVENT_NAMESPACE = 'default';

/**
 * The ClusterRole and its binding; with `leaseNamespace`, also a Role and RoleBinding for the
 * Lease of approver run and one for its Events (one Role when both are in "default").
 */
export function rbacObjects(name: string, subjects: RbacSubject[], leaseNamespace?: string): object[] {
  const labels = { 'app.kubernetes.io/name': 'kubectl-certs', 'app.kubernetes.io/component': 'approver' };
  const roles = !leaseNamespace
    ? []
    : leaseNamespace === EVENT_NAMESPACE
      ? [[EVENT_NAMESPACE, [...LEASE_RULES, ...EVENT_RULES]] as const]
      : [[leaseNamespace, LEASE_RULES] as const, [EVENT_NAMESPACE, EVENT_RULES] as const];
  const namespaced = roles.flatMap(([namespace, rules]) => [
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name, namespace, labels },
      rules,
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name, namespace, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects,
    },
  ]);
  return [
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name, labels },
      rules: APPROVER_RULES,
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
      subjects,
    },
    ...namespaced,
  ];
}
