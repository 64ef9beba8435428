/** The parts of a Deployment that `kubectl rollout status` reads. */
export interface DeploymentRollout {
  name: string;
  generation?: number | undefined;
  /** spec.replicas (the API server defaults it to 1). */
  replicas?: number | undefined;
  status: {
    observedGeneration?: number | undefined;
    replicas?: number | undefined;
    updatedReplicas?: number | undefined;
    availableReplicas?: number | undefined;
    conditions?: { type: string; reason?: string | undefined }[] | undefined;
  };
}

export type RolloutStatus =
  | { state: 'waiting'; message: string }
  | { state: 'done'; message: string }
  | { state: 'failed'; message: string };

/**
 * Has the Deployment rolled out, judged as `kubectl rollout status` judges it (kubectl's
 * DeploymentStatusViewer, with its words): the controller saw the latest spec, every replica is
 * updated, no old one is left, and every updated one is available. A Progressing condition with
 * reason ProgressDeadlineExceeded is a failure: the controller itself gave up.
 */
export function rolloutStatus(d: DeploymentRollout): RolloutStatus {
  const s = d.status;
  if ((d.generation ?? 0) > (s.observedGeneration ?? 0))
    return { state: 'waiting', message: 'Waiting for deployment spec update to be observed...' };
  const progressing = s.conditions?.find((c) => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded')
    return { state: 'failed', message: `deployment "${d.name}" exceeded its progress deadline` };
  const want = d.replicas ?? 1;
  const updated = s.updatedReplicas ?? 0;
  const available = s.availableReplicas ?? 0;
  const total = s.replicas ?? 0;
  const waiting = (what: string) =>
    ({
      state: 'waiting',
      message: `Waiting for deployment "${d.name}" rollout to finish: ${what}...`,
    }) as const;
  if (updated < want) return waiting(`${updated} out of ${want} new replicas have been updated`);
  if (total > updated) return waiting(`${total - updated} old replicas are pending termination`);
  if (available < updated) return waiting(`${available} of ${updated} updated replicas are available`);
  return { state: 'done', message: `deployment "${d.name}" successfully rolled out` };
}
