import { inject } from 'vitest';
import { Cluster } from '../sandbox/cluster.ts';

/** The run's shared sandbox, started by global-setup.ts. */
export function sharedCluster(): Cluster {
  return Cluster.attach(inject('sandboxDir'));
}
