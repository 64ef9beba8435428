import type { WorkloadSummary } from './metrics-server-workload.ts';

/** A tool that owns the Deployment's spec and would undo our edits at its next sync. */
export interface ExternalManager {
  tool: 'Helm' | 'Argo CD' | 'Flux';
  /** What gave it away, quoted so the user can check it. */
  evidence: string;
}

const BY_LABEL: [string, string | undefined, ExternalManager['tool']][] = [
  ['app.kubernetes.io/managed-by', 'Helm', 'Helm'],
  ['kustomize.toolkit.fluxcd.io/name', undefined, 'Flux'],
  ['helm.toolkit.fluxcd.io/name', undefined, 'Flux'],
  ['argocd.argoproj.io/instance', undefined, 'Argo CD'],
];
const BY_ANNOTATION: [string, ExternalManager['tool']][] = [
  ['meta.helm.sh/release-name', 'Helm'],
  ['argocd.argoproj.io/tracking-id', 'Argo CD'],
];
/** Field managers as each tool names itself in managedFields. */
const BY_MANAGER: [RegExp, ExternalManager['tool']][] = [
  [/^helm$/, 'Helm'],
  [/^argocd-(application-)?controller$/, 'Argo CD'],
  [/^(kustomize|helm)-controller$/, 'Flux'],
];

/**
 * Helm, Argo CD or Flux when the Deployment carries their marks: their labels and annotations, or
 * their field manager. Server-side apply under our own manager would fight them, so the command
 * prints values for the tool's source instead.
 */
export function externalManager(w: WorkloadSummary): ExternalManager | undefined {
  for (const [label, value, tool] of BY_LABEL) {
    const v = w.labels[label];
    if (v !== undefined && (value === undefined || v === value))
      return { tool, evidence: `label ${label}=${v}` };
  }
  for (const [annotation, tool] of BY_ANNOTATION) {
    const v = w.annotations[annotation];
    if (v !== undefined) return { tool, evidence: `annotation ${annotation}=${v}` };
  }
  for (const manager of w.managers)
    for (const [re, tool] of BY_MANAGER)
      if (re.test(manager)) return { tool, evidence: `field manager ${manager}` };
  return undefined;
}
