import type { KubernetesObject } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import type { OutputFormat } from '../output.ts';
import { type AppliedObject, refOf } from './install.ts';
import { defaultInstallSettings, installObjects } from './install-objects.ts';
import { checkRunArgs } from './run-flags.ts';

export interface InstallFlags {
  namespace?: string | undefined;
  name?: string | undefined;
  image?: string | undefined;
  replicas?: number | undefined;
  /** approver run's flags, given after `--`. */
  runArgs: string[];
  dryRun: 'none' | 'client' | 'server';
  force: boolean;
  version: string;
}

interface Globals {
  kubeconfig?: string;
  context?: string;
  timeoutMs: number;
  output: OutputFormat;
}

/** approver install: the objects of deploy/base with the user's settings, server-side applied. */
export async function install(f: InstallFlags, g: Globals, print: (text: string) => void): Promise<void> {
  await checkRunArgs(f.runArgs);
  const defaults = defaultInstallSettings(f.version);
  const settings = {
    namespace: f.namespace ?? defaults.namespace,
    name: f.name ?? defaults.name,
    image: f.image ?? defaults.image,
    replicas: f.replicas ?? defaults.replicas,
    extraArgs: f.runArgs,
  };
  const objects = installObjects(settings) as KubernetesObject[];
  const line = (text: string) => process.stderr.write(`${text}\n`);
  if (f.dryRun === 'client') {
    for (const o of objects) line(`${refOf(o)} (client dry run)`);
    if (g.output !== 'table') print(renderObjects(objects, g.output));
    line(`client dry run: ${objects.length} objects, nothing sent`);
    return;
  }
  const { loadKubeConfig } = await import('../kube/kubeconfig.ts');
  const { objectClient } = await import('../kube/object-client.ts');
  const { installObjectsWith } = await import('./install.ts');
  const { kc } = loadKubeConfig(g);
  const suffix = f.dryRun === 'server' ? ' (server dry run)' : '';
  const { sent, applied } = await installObjectsWith(objectClient(kc, g.timeoutMs), objects, {
    dryRun: f.dryRun,
    force: f.force,
    onApplied: (a) =>
      line(
        `${a.ref} ${a.outcome}${a.validated ? suffix : ' (server dry run: not validated, its namespace does not exist yet)'}`,
      ),
  });
  if (g.output !== 'table') print(renderObjects(sent, g.output));
  line(summary(applied, f.dryRun, settings));
}

/** YAML: one document per object (as deploy/base); JSON: a List, as kubectl prints several objects. */
export function renderObjects(objects: readonly object[], format: 'json' | 'yaml'): string {
  if (format === 'json') return JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }, null, 2);
  return objects
    .map((o) => `---\n${stringify(o)}`)
    .join('')
    .trimEnd();
}

function summary(
  applied: readonly AppliedObject[],
  dryRun: 'none' | 'server',
  s: { namespace: string; image: string; replicas: number },
): string {
  const count = (outcome: AppliedObject['outcome']) => applied.filter((a) => a.outcome === outcome).length;
  const counts = `${count('created')} created, ${count('configured')} configured, ${count('unchanged')} unchanged`;
  if (dryRun === 'server') {
    const unvalidated = applied.filter((a) => !a.validated).length;
    return `server dry run: ${applied.length} objects, nothing stored (${counts}${unvalidated ? `; ${unvalidated} not validated until namespace ${s.namespace} exists` : ''})`;
  }
  return `approver installed in namespace ${s.namespace}: ${applied.length} objects (${counts}); image ${s.image}, ${s.replicas} replicas`;
}
