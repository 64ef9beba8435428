/**
 * Where the approver that renews metrics-server's serving certificate runs: the CA Secret is kept
 * in its namespace, and its service account is the one granted the renewal (`secure metrics-server
 * --apply` writes both there; `approver install` grants that account the CA Secret).
 */
export interface ApproverLocation {
  namespace: string;
  serviceAccount: string;
  /**
   * found: its Deployment (`deployment`), by approver install's labels; flags: as
   * --approver-namespace / --approver-name say, no such Deployment found; default: none found,
   * approver install's defaults.
   */
  source: 'found' | 'flags' | 'default';
  deployment?: string | undefined;
}

/** How the plan says where the approver is, and how it knows. */
export function describeApprover(a: ApproverLocation): string {
  const account = `service account ${a.namespace}/${a.serviceAccount}`;
  if (a.source === 'found') return `${account}, of the approver's Deployment ${a.namespace}/${a.deployment}`;
  if (a.source === 'flags')
    return `${account}, as --approver-namespace/--approver-name say (no approver Deployment there yet)`;
  return `${account}: no approver is installed, so approver install's defaults (name yours with --approver-namespace and --approver-name)`;
}
