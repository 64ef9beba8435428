// The kubectlCerts.rules setting's schema, one key per rule, generated from core's rule list (the
// one source of rule ids): build.ts writes it into package.json, which VS Code reads.
import { RULE_DESCRIPTORS } from '@kubectl-certs/core';

/** What a user may set per rule (settings.ts reads the same values). */
export const RULE_SETTING_VALUES = ['default', 'off', 'error', 'warning', 'info'] as const;

export interface RuleSettingSchema {
  type: 'string';
  enum: readonly string[];
  default: 'default';
  markdownDescription: string;
}

export function ruleSettingsSchema(): Record<string, RuleSettingSchema> {
  return Object.fromEntries(
    RULE_DESCRIPTORS.map((r) => [
      r.id,
      {
        type: 'string',
        enum: RULE_SETTING_VALUES,
        default: 'default',
        markdownDescription: `${r.summary} Its own severity: \`${r.severity}\`.`,
      },
    ]),
  );
}

interface Manifest {
  contributes: { configuration: { properties: Record<string, { properties?: unknown }> } };
}

/** package.json's text with the rules setting's keys as core has them (unchanged when they are). */
export function withRuleSettings(packageJson: string): string {
  const manifest = JSON.parse(packageJson) as Manifest;
  const rules = manifest.contributes.configuration.properties['kubectlCerts.rules'];
  if (!rules) throw new Error('package.json has no kubectlCerts.rules setting');
  rules.properties = ruleSettingsSchema();
  return `${JSON.stringify(manifest, null, 2)}\n`;
}
