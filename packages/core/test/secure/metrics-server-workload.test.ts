import { describe, expect, it } from 'vitest';
import { externalManager } from '../../src/secure/external-manager.ts';
import { chooseMetricsServer, type WorkloadSummary } from '../../src/secure/metrics-server-workload.ts';

const w = (namespace: string, name: string, more: Partial<WorkloadSummary> = {}): WorkloadSummary => ({
  namespace,
  name,
  labels: {},
  annotations: {},
  managers: [],
  ...more,
});

describe('which Deployment is metrics-server', () => {
  it.each<[string, WorkloadSummary[], { namespace?: string; name?: string }, string]>([
    ['the only one found', [w('kube-system', 'metrics-server')], {}, 'kube-system/metrics-server'],
    [
      'found by two labels, counted once',
      [w('kube-system', 'metrics-server'), w('kube-system', 'metrics-server')],
      {},
      'kube-system/metrics-server',
    ],
    [
      'the one in the namespace asked for',
      [w('kube-system', 'metrics-server'), w('monitoring', 'metrics-server')],
      { namespace: 'monitoring' },
      'monitoring/metrics-server',
    ],
    [
      'the one named',
      [w('kube-system', 'metrics-server'), w('kube-system', 'ms-2')],
      { name: 'ms-2' },
      'kube-system/ms-2',
    ],
  ])('%s', (_what, found, want, chosen) => {
    const c = chooseMetricsServer(found, want);
    expect(c.ok && `${c.workload.namespace}/${c.workload.name}`).toBe(chosen);
  });

  it.each<[string, WorkloadSummary[], { namespace?: string; name?: string }, string]>([
    [
      'none',
      [],
      {},
      'no metrics-server Deployment in any namespace (looked for the labels k8s-app=metrics-server and app.kubernetes.io/name=metrics-server); name it with -n NAMESPACE --name NAME',
    ],
    [
      'none in the namespace asked for',
      [w('kube-system', 'metrics-server')],
      { namespace: 'monitoring' },
      'no metrics-server Deployment in namespace monitoring (looked for the labels k8s-app=metrics-server and app.kubernetes.io/name=metrics-server); name it with -n NAMESPACE --name NAME',
    ],
    [
      'no such name',
      [w('kube-system', 'metrics-server')],
      { name: 'ms' },
      'no Deployment ms in any namespace',
    ],
    [
      'two',
      [w('monitoring', 'metrics-server'), w('kube-system', 'metrics-server')],
      {},
      '2 metrics-server Deployments found (kube-system/metrics-server, monitoring/metrics-server): choose one with -n NAMESPACE --name NAME',
    ],
  ])('refuses to guess: %s', (_what, found, want, reason) => {
    expect(chooseMetricsServer(found, want)).toEqual({ ok: false, reason });
  });
});

describe('who else manages the Deployment', () => {
  it.each<[string, Partial<WorkloadSummary>, string | undefined]>([
    [
      'Helm, by its managed-by label',
      { labels: { 'app.kubernetes.io/managed-by': 'Helm' } },
      'Helm: label app.kubernetes.io/managed-by=Helm',
    ],
    [
      'Helm, by its release annotation',
      { annotations: { 'meta.helm.sh/release-name': 'ms' } },
      'Helm: annotation meta.helm.sh/release-name=ms',
    ],
    [
      'Helm, by its field manager',
      { managers: ['kube-controller-manager', 'helm'] },
      'Helm: field manager helm',
    ],
    [
      'Argo CD, by its tracking annotation',
      { annotations: { 'argocd.argoproj.io/tracking-id': 'ms:apps/Deployment:kube-system/metrics-server' } },
      'Argo CD: annotation argocd.argoproj.io/tracking-id=ms:apps/Deployment:kube-system/metrics-server',
    ],
    [
      'Argo CD, by its field manager',
      { managers: ['argocd-controller'] },
      'Argo CD: field manager argocd-controller',
    ],
    [
      'Flux, by its kustomization label',
      { labels: { 'kustomize.toolkit.fluxcd.io/name': 'infra' } },
      'Flux: label kustomize.toolkit.fluxcd.io/name=infra',
    ],
    [
      'Flux, by its helm-controller',
      { managers: ['helm-controller'] },
      'Flux: field manager helm-controller',
    ],
    [
      'nobody: kubectl apply',
      { managers: ['kubectl-client-side-apply', 'kube-controller-manager'] },
      undefined,
    ],
    [
      'nobody: a managed-by label of another tool',
      { labels: { 'app.kubernetes.io/managed-by': 'kubectl-certs' } },
      undefined,
    ],
    ['nobody: our own field manager', { managers: ['kubectl-certs'] }, undefined],
  ])('%s', (_what, more, expected) => {
    const m = externalManager(w('kube-system', 'metrics-server', more));
    expect(m && `${m.tool}: ${m.evidence}`).toBe(expected);
  });
});
