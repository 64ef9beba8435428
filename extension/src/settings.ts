import type { LintOptions, Severity } from '@kubectl-certs/core';
import * as vscode from 'vscode';
import type { RULE_SETTING_VALUES } from '../settings-schema.ts';

export const SECTION = 'kubectlCerts';

/** What a user may set per rule: its severity, "off", or "default" (the rule's own severity). */
export type RuleSetting = (typeof RULE_SETTING_VALUES)[number];

export interface Settings {
  enable: boolean;
  rules: Record<string, RuleSetting>;
  kubeletCaMountPath: string;
  /** Milliseconds to wait after the last keystroke before linting. */
  lintDelay: number;
}

/**
 * The settings that apply to one document: read per resource, so every folder of a multi-root
 * workspace can have its own (.vscode/settings.json of the folder wins over the workspace's).
 */
export function settingsFor(uri: vscode.Uri): Settings {
  const c = vscode.workspace.getConfiguration(SECTION, uri);
  return {
    enable: c.get<boolean>('enable', true),
    rules: c.get<Record<string, RuleSetting>>('rules', {}),
    kubeletCaMountPath: c.get<string>('kubeletCaMountPath', '/etc/kubernetes/kubelet-ca'),
    lintDelay: Math.max(0, c.get<number>('lintDelay', 150)),
  };
}

/** The core lint options these settings mean (rules set to "off" do not run). */
export function lintOptions(s: Settings, now: Date): Partial<LintOptions> {
  const disable = Object.entries(s.rules)
    .filter(([, v]) => v === 'off')
    .map(([id]) => id);
  return { disable, kubeletCaMountPath: s.kubeletCaMountPath, now };
}

/** The severity a finding is shown with: the user's choice for its rule, else the rule's own. */
export function severityOf(s: Settings, ruleId: string, own: Severity): vscode.DiagnosticSeverity {
  const chosen = s.rules[ruleId];
  const severity = chosen === 'error' || chosen === 'warning' || chosen === 'info' ? chosen : own;
  return {
    error: vscode.DiagnosticSeverity.Error,
    warning: vscode.DiagnosticSeverity.Warning,
    info: vscode.DiagnosticSeverity.Information,
  }[severity];
}
