import { fixAll } from '../lint/fix-all.ts';
import { lint } from '../lint/lint.ts';
import type { LintOptions } from '../lint/types.ts';

/** The lint rules whose fixes make up the kubelet leg: lint --fix and the command edit alike. */
export const KUBELET_LEG_RULES = [
  'insecure-kubelet-tls',
  'insecure-with-ca',
  'kubelet-ca-mount',
  'kube-root-ca-lookalike',
];

/** Would metrics-server, verifying with the cluster CA, accept this kubelet (inspect-kubelet's verdict)? */
export interface KubeletStatus {
  node: string;
  verifies: boolean;
  /** inspect-kubelet's one-line reason (Go's x509 error when it does not verify). */
  reason: string;
}

export interface KubeletLegPlan {
  /** done: nothing to change; ready: can be applied now; blocked: a kubelet would fail verification. */
  state: 'done' | 'ready' | 'blocked';
  /** The Deployment as YAML before and after the edits (equal when done). */
  before: string;
  after: string;
  /** What the edits do, one line each (the lint fixes' titles). */
  changes: string[];
  /** Kubelets that would fail verification and are not allowed by --allow-unverified-nodes. */
  blockers: KubeletStatus[];
  /** Kubelets that would fail but the user accepts (--allow-unverified-nodes). */
  accepted: KubeletStatus[];
  /** Names given to --allow-unverified-nodes that are no node's. */
  unknownAllowed: string[];
  /** What the edits cannot fix (the lint findings left after them): a human has to. */
  unfixable: string[];
}

/**
 * The kubelet leg: the edits that make metrics-server verify kubelets with the cluster CA (the
 * preferred fixes of the same lint rules, applied as lint --fix would), and whether every kubelet
 * would pass that verification. A kubelet that would fail blocks the leg unless named: turning
 * verification on for it means metrics-server stops scraping it.
 */
export function planKubeletLeg(
  deploymentYaml: string,
  kubelets: KubeletStatus[],
  allowUnverified: string[],
  lintOptions: Partial<LintOptions> = {},
): KubeletLegPlan {
  const options = { ...lintOptions, rules: KUBELET_LEG_RULES };
  const findings = lint(deploymentYaml, options);
  const after = findings.length ? fixAll(deploymentYaml, options).text : deploymentYaml;
  const unfixable = findings.length ? lint(after, options).map((f) => f.message) : [];
  const failing = kubelets.filter((k) => !k.verifies);
  const allowed = new Set(allowUnverified);
  const blockers = failing.filter((k) => !allowed.has(k.node));
  const state = findings.length === 0 ? 'done' : blockers.length || unfixable.length ? 'blocked' : 'ready';
  return {
    state,
    before: deploymentYaml,
    after,
    changes: findings.flatMap((f) => (f.fixes[0] ? [f.fixes[0].title] : [])),
    blockers,
    accepted: failing.filter((k) => allowed.has(k.node)),
    unknownAllowed: allowUnverified.filter((n) => !kubelets.some((k) => k.node === n)),
    unfixable,
  };
}
