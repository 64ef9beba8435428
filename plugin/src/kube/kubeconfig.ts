import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { UserError } from '../user-error.ts';
import { PooledKubeConfig } from './pooled-kubeconfig.ts';

export interface KubeconfigFlags {
  kubeconfig?: string | undefined;
  context?: string | undefined;
}

const SA_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';
// Where the pod's files are mounted; tests point it at a folder holding a real token.
const IN_CLUSTER_ROOT = 'KUBECTL_CERTS_IN_CLUSTER_ROOT';

/**
 * Loads a kubeconfig with kubectl's precedence: --kubeconfig, then $KUBECONFIG (a list), then
 * ~/.kube/config, then the in-cluster service account. Unlike KubeConfig.loadFromDefault() it
 * never falls back to localhost:8080: with nothing found, it says what it looked for.
 */
export function loadKubeConfig(
  flags: KubeconfigFlags,
  env: NodeJS.ProcessEnv = process.env,
): { kc: KubeConfig; source: string } {
  const kc = new PooledKubeConfig();
  let source: string;
  const listed = (env.KUBECONFIG ?? '').split(delimiter).filter(Boolean);
  const home = join(env.HOME ?? homedir(), '.kube', 'config');
  if (flags.kubeconfig) {
    source = flags.kubeconfig;
    loadFile(kc, flags.kubeconfig);
  } else if (listed.length > 0) {
    const present = listed.filter((f) => existsSync(f));
    if (present.length === 0)
      throw new UserError(`none of the files in $KUBECONFIG exist: ${listed.join(', ')}`);
    source = present.join(delimiter);
    if (present.length === 1) loadFile(kc, present[0] as string);
    else {
      for (const f of present) loadFile(new KubeConfig(), f); // a clear message naming the bad file
      kc.loadFromDefault({}, false); // merges them in kubectl's order
    }
  } else if (existsSync(home)) {
    source = home;
    loadFile(kc, home);
  } else if (env.KUBERNETES_SERVICE_HOST && existsSync(`${env[IN_CLUSTER_ROOT] ?? ''}${SA_TOKEN}`)) {
    source = 'in-cluster service account';
    kc.loadFromCluster(env[IN_CLUSTER_ROOT]);
  } else {
    throw new UserError(
      `no kubeconfig found: looked for --kubeconfig, $KUBECONFIG (unset), ${home} (absent) and an in-cluster service account (not in a pod)`,
    );
  }
  selectContext(kc, flags.context, source);
  return { kc, source };
}

function loadFile(kc: KubeConfig, file: string): void {
  if (!existsSync(file)) throw new UserError(`kubeconfig ${file} does not exist`);
  try {
    kc.loadFromFile(file);
  } catch (e) {
    const first = (e as Error).message.split('\n')[0];
    throw new UserError(`cannot read kubeconfig ${file}: ${first}`);
  }
}

function selectContext(kc: KubeConfig, context: string | undefined, source: string): void {
  if (context) {
    if (!kc.getContextObject(context)) {
      const known = kc.getContexts().map((c) => c.name);
      throw new UserError(
        `context "${context}" not found in ${source} (contexts: ${known.join(', ') || 'none'})`,
      );
    }
    kc.setCurrentContext(context);
  }
  const current = kc.getCurrentContext();
  if (!current || !kc.getContextObject(current)) {
    throw new UserError(
      `${source} has no usable current-context: pass --context (contexts: ${
        kc
          .getContexts()
          .map((c) => c.name)
          .join(', ') || 'none'
      })`,
    );
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster?.server)
    throw new UserError(`context "${current}" in ${source} names no cluster with a server address`);
}
