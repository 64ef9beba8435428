import type { ApproverLocation } from '@kubectl-certs/core';
import type { V1Deployment } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { defaultInstallSettings, installObjects } from '../src/approver/install-objects.ts';
import { type ApproverWanted, findApprover, type ListDeployments } from '../src/secure/find-approver.ts';
import { UserError } from '../src/user-error.ts';

const defaults = defaultInstallSettings('0.0.0');

/** The Deployment `approver install` applies with these settings (its own objects, not a copy). */
const installed = (namespace: string, name: string) =>
  installObjects({ ...defaults, namespace, name }).find(
    (o) => (o as { kind: string }).kind === 'Deployment',
  ) as V1Deployment;

/** Another team's Deployment in the same namespace: not an approver, whatever its name. */
const unrelated: V1Deployment = {
  metadata: { name: 'kubectl-certs-approver', namespace: 'tools', labels: { app: 'x' } },
  spec: { selector: {}, template: { spec: { containers: [] } } },
};

/** The API server's list: by label selector (k=v,...) and namespace, as AppsV1Api lists. */
function cluster(deployments: V1Deployment[]): ListDeployments {
  return async (selector, namespace) =>
    deployments.filter(
      (d) =>
        (!namespace || d.metadata?.namespace === namespace) &&
        selector.split(',').every((kv) => {
          const [k, v] = kv.split('=') as [string, string];
          return d.metadata?.labels?.[k] === v;
        }),
    );
}

const cases: [string, V1Deployment[], ApproverWanted, ApproverLocation][] = [
  [
    "none installed: approver install's defaults, said to be defaults",
    [unrelated],
    {},
    { namespace: 'kubectl-certs', serviceAccount: 'kubectl-certs-approver', source: 'default' },
  ],
  [
    'one installed with the defaults: found',
    [unrelated, installed('kubectl-certs', 'kubectl-certs-approver')],
    {},
    {
      namespace: 'kubectl-certs',
      serviceAccount: 'kubectl-certs-approver',
      source: 'found',
      deployment: 'kubectl-certs-approver',
    },
  ],
  [
    'one installed with -n certs-system --name approver: found there, with its service account',
    [installed('certs-system', 'approver')],
    {},
    { namespace: 'certs-system', serviceAccount: 'approver', source: 'found', deployment: 'approver' },
  ],
  [
    'several, and --approver-namespace chooses one',
    [installed('certs-system', 'approver'), installed('kubectl-certs', 'kubectl-certs-approver')],
    { namespace: 'certs-system' },
    { namespace: 'certs-system', serviceAccount: 'approver', source: 'found', deployment: 'approver' },
  ],
  [
    'several, and --approver-name chooses one',
    [installed('certs-system', 'approver'), installed('kubectl-certs', 'kubectl-certs-approver')],
    { name: 'kubectl-certs-approver' },
    {
      namespace: 'kubectl-certs',
      serviceAccount: 'kubectl-certs-approver',
      source: 'found',
      deployment: 'kubectl-certs-approver',
    },
  ],
  [
    'the flags, where none is installed yet: taken as they say',
    [installed('kubectl-certs', 'kubectl-certs-approver')],
    { namespace: 'certs-system', name: 'approver' },
    { namespace: 'certs-system', serviceAccount: 'approver', source: 'flags' },
  ],
  [
    'only --approver-namespace, none there: its namespace, the default name',
    [],
    { namespace: 'certs-system' },
    { namespace: 'certs-system', serviceAccount: 'kubectl-certs-approver', source: 'flags' },
  ],
];

describe('secure metrics-server finds the approver that renews its certificate', () => {
  it.each(cases)('%s', async (_, deployments, want, location) => {
    expect(await findApprover(cluster(deployments), want, defaults)).toEqual(location);
  });

  it('takes the service account its pods run as (an edited Deployment), not its name', async () => {
    const d = installed('certs-system', 'approver');
    (d.spec?.template.spec as { serviceAccountName: string }).serviceAccountName = 'renamed';
    expect((await findApprover(cluster([d]), {}, defaults)).serviceAccount).toBe('renamed');
  });

  it('several and no flag to choose: a usage error listing them, nothing guessed', async () => {
    const found = findApprover(
      cluster([installed('kubectl-certs', 'kubectl-certs-approver'), installed('certs-system', 'approver')]),
      {},
      defaults,
    );
    await expect(found).rejects.toThrow(UserError);
    await expect(found).rejects.toMatchObject({
      exitCode: 1,
      message:
        '2 approvers found (Deployments labelled app.kubernetes.io/part-of=kubectl-certs,app.kubernetes.io/component=approver): certs-system/approver, kubectl-certs/kubectl-certs-approver; choose one with --approver-namespace NAMESPACE --approver-name NAME',
    });
  });
});
