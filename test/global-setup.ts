import type { TestProject } from 'vitest/node';
import { Cluster } from './sandbox/cluster.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    sandboxDir: string;
  }
}

/** Starts the shared sandbox once for the run; the returned function stops it even after failures. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const cluster = await Cluster.start({ log: (l) => process.stderr.write(`[sandbox] ${l}\n`) });
  project.provide('sandboxDir', cluster.dir);
  return () => cluster.stop();
}
