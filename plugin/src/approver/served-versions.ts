import { UserError } from '../user-error.ts';

/**
 * The PodDisruptionBudget versions `approver install` can write, newest first: policy/v1 is served
 * from Kubernetes 1.21 (and the only one from 1.25), policy/v1beta1 before. The spec we write
 * (maxUnavailable and a non-empty selector) means the same in both.
 */
export const PDB_VERSIONS = ['policy/v1', 'policy/v1beta1'] as const;

/**
 * The install objects as the server can take them: the PodDisruptionBudget in the newest version
 * that `served` (the server's group versions of `policy`, from discovery) lists; the rest unchanged.
 * This is the one place that knows an old server needs another version.
 */
export function forServedVersions<T extends { apiVersion?: string; kind?: string }>(
  objects: readonly T[],
  served: readonly string[],
): T[] {
  const pdb = PDB_VERSIONS.find((v) => served.includes(v));
  return objects.map((o) => {
    if (o.kind !== 'PodDisruptionBudget') return o;
    if (!pdb)
      throw new UserError(
        `the API server serves no PodDisruptionBudget version we write (${PDB_VERSIONS.join(', ')}); it serves: ${served.join(', ') || 'no policy group'}`,
      );
    return { ...o, apiVersion: pdb };
  });
}
