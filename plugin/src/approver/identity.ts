import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';

const SA_NAMESPACE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

/** client-go's convention for a leader election identity: unique even for two replicas on one host. */
export function defaultIdentity(): string {
  return `${hostname()}_${randomBytes(8).toString('hex')}`;
}

/** $POD_NAMESPACE (the downward API), else the service account's namespace, else "default". */
export function defaultLeaseNamespace(env: NodeJS.ProcessEnv = process.env): string {
  if (env.POD_NAMESPACE) return env.POD_NAMESPACE;
  const file = `${env.KUBECTL_CERTS_IN_CLUSTER_ROOT ?? ''}${SA_NAMESPACE}`;
  return existsSync(file) ? readFileSync(file, 'utf8').trim() || 'default' : 'default';
}
