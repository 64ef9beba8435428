import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';

const SA_NAMESPACE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

/** client-go's convention for a leader election identity: unique even for two replicas on one host. */
export function defaultIdentity(): string {
  return `${hostname()}_${randomBytes(8).toString('hex')}`;
}

/** The pod's namespace: $POD_NAMESPACE (the downward API), else its service account's; undefined outside a pod. */
export function podNamespace(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.POD_NAMESPACE) return env.POD_NAMESPACE;
  const file = `${env.KUBECTL_CERTS_IN_CLUSTER_ROOT ?? ''}${SA_NAMESPACE}`;
  return existsSync(file) ? readFileSync(file, 'utf8').trim() || undefined : undefined;
}

/** The Lease's namespace without --lease-namespace: the pod's, else "default". */
export function defaultLeaseNamespace(env: NodeJS.ProcessEnv = process.env): string {
  return podNamespace(env) ?? 'default';
}

/**
 * Where the approver keeps the metrics-server CA (`secure metrics-server` puts it in the
 * namespace of the approver's Deployment): the pod's own namespace, even when its Lease is
 * elsewhere; outside a pod, --lease-namespace, else "default".
 */
export function ownNamespace(
  leaseNamespace: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string {
  return podNamespace(env) ?? leaseNamespace ?? 'default';
}
