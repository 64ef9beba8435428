// VS Code shows and validates kubectlCerts.rules from package.json: every rule core has must be a
// key there, or setting it is an error ("Property ... is not allowed") in the user's settings.
import { readFileSync } from 'node:fs';
import { RULE_DESCRIPTORS } from '@kubectl-certs/core';
import { describe, expect, it } from 'vitest';
import { withRuleSettings } from '../settings-schema.ts';

const path = new URL('../package.json', import.meta.url);
const text = readFileSync(path, 'utf8');
const rulesSetting = (
  JSON.parse(text) as {
    contributes: {
      configuration: {
        properties: Record<
          string,
          { properties: Record<string, { enum: string[] }>; additionalProperties: boolean }
        >;
      };
    };
  }
).contributes.configuration.properties['kubectlCerts.rules'];

describe('the kubectlCerts.rules setting in package.json', () => {
  it('has exactly one key per rule core has, the syntax check included, in core order', () => {
    expect(Object.keys(rulesSetting?.properties ?? {})).toEqual(RULE_DESCRIPTORS.map((r) => r.id));
  });

  it('lets every rule be set off, to a severity, or to its default, and forbids unknown keys', () => {
    for (const [id, schema] of Object.entries(rulesSetting?.properties ?? {}))
      expect([id, schema.enum]).toEqual([id, ['default', 'off', 'error', 'warning', 'info']]);
    expect(rulesSetting?.additionalProperties).toBe(false);
  });

  it('is what the build writes from core (run the extension build after adding a rule)', () => {
    expect(withRuleSettings(text)).toBe(text);
  });
});
