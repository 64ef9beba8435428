import { caSecretRbac } from '@kubectl-certs/core';
import { type RbacSubject, rbacObjects } from '../rbac.ts';
import { imageOf } from './image.ts';

/** Where `approver install` and deploy/ put the approver, and what they call it. */
export interface InstallSettings {
  namespace: string;
  /** The name of every object (Deployment, ServiceAccount, Roles, Service, PodDisruptionBudget). */
  name: string;
  image: string;
  replicas: number;
  /** Flags for `approver run`, after the ones install always sets. */
  extraArgs: string[];
}

/** approver run's --bind-address port: /metrics, /healthz and /readyz. */
export const HTTP_PORT = 8080;

/**
 * The labels every object of an approver carries besides its name: `secure metrics-server` finds
 * the installed approver's Deployment by them (plugin/src/secure/find-approver.ts).
 */
export const APPROVER_LABELS = {
  'app.kubernetes.io/part-of': 'kubectl-certs',
  'app.kubernetes.io/component': 'approver',
} as const;

const labelsOf = (name: string) => ({ 'app.kubernetes.io/name': name, ...APPROVER_LABELS });

/**
 * Every object of an in-cluster approver, in the order they are applied: the namespace first, the
 * RBAC before the Deployment that needs it. deploy/base holds these objects as YAML (a test keeps
 * them equal), so kustomize users and `approver install` get the same thing.
 */
export function installObjects(s: InstallSettings): object[] {
  const labels = labelsOf(s.name);
  const selector = { 'app.kubernetes.io/name': s.name };
  const sa: RbacSubject = { kind: 'ServiceAccount', name: s.name, namespace: s.namespace };
  return [
    {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: s.namespace, labels: restrictedNamespaceLabels },
    },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: s.name, namespace: s.namespace, labels } },
    // The ClusterRole of `kubectl certs rbac`, and the Roles approver run needs: its Lease here,
    // Events on CSRs in default (where client-go records Events of cluster-scoped objects).
    ...rbacObjects(s.name, [sa], s.namespace),
    // The metrics-server CA of `secure metrics-server`, which the leader renews from: this account alone.
    ...caSecretRbac(s.namespace, s),
    deployment(s, labels, selector),
    {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: s.name, namespace: s.namespace, labels },
      spec: { maxUnavailable: 1, selector: { matchLabels: selector } },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: s.name, namespace: s.namespace, labels },
      spec: {
        selector,
        ports: [{ name: 'metrics', port: HTTP_PORT, targetPort: 'http', protocol: 'TCP' }],
      },
    },
  ];
}

/** The namespace enforces the `restricted` Pod Security Standard on itself (Kubernetes 1.23+). */
const restrictedNamespaceLabels = {
  'pod-security.kubernetes.io/enforce': 'restricted',
  'pod-security.kubernetes.io/enforce-version': 'latest',
};

function deployment(
  s: InstallSettings,
  labels: Record<string, string>,
  selector: Record<string, string>,
): object {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: s.name, namespace: s.namespace, labels },
    spec: {
      replicas: s.replicas,
      selector: { matchLabels: selector },
      template: {
        metadata: { labels },
        spec: {
          serviceAccountName: s.name,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: 65532,
            runAsGroup: 65532,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          containers: [
            {
              name: 'approver',
              image: s.image,
              imagePullPolicy: 'IfNotPresent',
              args: ['approver', 'run', `--bind-address=:${HTTP_PORT}`, ...s.extraArgs],
              // The namespace of its Lease (approver run reads $POD_NAMESPACE).
              env: [{ name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } }],
              ports: [{ name: 'http', containerPort: HTTP_PORT, protocol: 'TCP' }],
              livenessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 10 },
              readinessProbe: { httpGet: { path: '/readyz', port: 'http' }, periodSeconds: 5 },
              resources: { requests: { cpu: '20m', memory: '96Mi' }, limits: { memory: '256Mi' } },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ['ALL'] },
              },
            },
          ],
          // Two replicas on two nodes where there are two, so losing one node keeps a leader.
          affinity: {
            podAntiAffinity: {
              preferredDuringSchedulingIgnoredDuringExecution: [
                {
                  weight: 100,
                  podAffinityTerm: {
                    topologyKey: 'kubernetes.io/hostname',
                    labelSelector: { matchLabels: selector },
                  },
                },
              ],
            },
          },
          // Control-plane nodes often join first; the approver must run before any worker has a certificate.
          tolerations: [
            { key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' },
            { key: 'node-role.kubernetes.io/master', operator: 'Exists', effect: 'NoSchedule' },
          ],
        },
      },
    },
  };
}

/** What deploy/base holds and `approver install` applies unless told otherwise. */
export function defaultInstallSettings(version: string): InstallSettings {
  return {
    namespace: 'kubectl-certs',
    name: 'kubectl-certs-approver',
    image: imageOf(version),
    replicas: 2,
    extraArgs: [],
  };
}
