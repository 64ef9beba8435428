import type { ApproverLocation } from '@kubectl-certs/core';
import type { V1Deployment } from '@kubernetes/client-node';
import { APPROVER_LABELS } from '../approver/install-objects.ts';
import { labelSelectorOf } from '../kube/label-selector.ts';
import { UserError } from '../user-error.ts';

/** The label selector of an approver's Deployment, from the labels approver install puts on it. */
export const APPROVER_SELECTOR = labelSelectorOf(APPROVER_LABELS);

/** Deployments by label selector, in one namespace or (undefined) all: AppsV1Api, or a fake in tests. */
export type ListDeployments = (
  labelSelector: string,
  namespace: string | undefined,
) => Promise<V1Deployment[]>;

/** --approver-namespace and --approver-name (the Deployment's name, as approver install --name). */
export interface ApproverWanted {
  namespace?: string | undefined;
  name?: string | undefined;
}

/**
 * The approver that will renew what `secure metrics-server --apply` writes: its Deployment, found
 * by approver install's labels (within the flags' namespace and name, when given), and its service
 * account. None found: the flags, else approver install's defaults (the plan says which). Several:
 * an error that lists them (as several metrics-servers are), since guessing would hand the CA to the
 * wrong account.
 */
export async function findApprover(
  list: ListDeployments,
  want: ApproverWanted,
  defaults: { namespace: string; name: string },
): Promise<ApproverLocation> {
  const found = (await list(APPROVER_SELECTOR, want.namespace)).filter(
    (d) => !want.name || d.metadata?.name === want.name,
  );
  const ref = (d: V1Deployment) => `${d.metadata?.namespace}/${d.metadata?.name}`;
  if (found.length > 1)
    throw new UserError(
      `${found.length} approvers found (Deployments labelled ${APPROVER_SELECTOR}${want.namespace ? ` in ${want.namespace}` : ''}${want.name ? ` named ${want.name}` : ''}): ${found.map(ref).sort().join(', ')}; choose one with --approver-namespace NAMESPACE --approver-name NAME`,
    );
  const [d] = found;
  if (d)
    return {
      namespace: d.metadata?.namespace ?? '',
      // A pod without one runs as "default" (what the API server fills in).
      serviceAccount: d.spec?.template.spec?.serviceAccountName || 'default',
      source: 'found',
      deployment: d.metadata?.name,
    };
  return {
    namespace: want.namespace ?? defaults.namespace,
    serviceAccount: want.name ?? defaults.name,
    source: want.namespace || want.name ? 'flags' : 'default',
  };
}
