/** A Deployment as the planner sees it: identity, labels and annotations, and who wrote its fields. */
export interface WorkloadSummary {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** metadata.managedFields[].manager, in order. */
  managers: string[];
}

/**
 * The labels that name metrics-server's Deployment: the release manifests' (components.yaml) and
 * the Helm chart's. `secure metrics-server` lists Deployments with each of them.
 */
export const METRICS_SERVER_SELECTORS = ['k8s-app=metrics-server', 'app.kubernetes.io/name=metrics-server'];

export type WorkloadChoice = { ok: true; workload: WorkloadSummary } | { ok: false; reason: string };

const ref = (w: WorkloadSummary) => `${w.namespace}/${w.name}`;

/**
 * Which Deployment is metrics-server: the one named by the user (`-n`, `--name`), else the only
 * one found by its labels. None or several is an error that says what was looked for.
 */
export function chooseMetricsServer(
  found: WorkloadSummary[],
  want: { namespace?: string | undefined; name?: string | undefined },
): WorkloadChoice {
  const unique = [...new Map(found.map((w) => [ref(w), w])).values()];
  const matching = unique.filter(
    (w) => (!want.namespace || w.namespace === want.namespace) && (!want.name || w.name === want.name),
  );
  const where = want.namespace ? `namespace ${want.namespace}` : 'any namespace';
  if (matching.length === 1 && matching[0]) return { ok: true, workload: matching[0] };
  if (matching.length === 0)
    return {
      ok: false,
      reason: want.name
        ? `no Deployment ${want.name} in ${where}`
        : `no metrics-server Deployment in ${where} (looked for the labels ${METRICS_SERVER_SELECTORS.join(' and ')}); name it with -n NAMESPACE --name NAME`,
    };
  return {
    ok: false,
    reason: `${matching.length} metrics-server Deployments found (${matching.map(ref).sort().join(', ')}): choose one with -n NAMESPACE --name NAME`,
  };
}
