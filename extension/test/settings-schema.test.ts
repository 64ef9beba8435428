// VS Code shows and validates kubectlCerts.rules from package.json: every rule core has must be a
// key there, or setting it is an error ("Property ... is not allowed") in the user's settings.
import { readFileSync } from 'node:fs';
import { lint, RULE_DESCRIPTORS } from '@kubectl-certs/core';
import { describe, expect, it } from 'vitest';
import { withRuleSettings } from '../settings-schema.ts';

const path = new URL('../package.json', import.meta.url);
const text = readFileSync(path, 'utf8');
const manifest = JSON.parse(text) as {
  contributes: {
    commands: { command: string; title: string }[];
    configuration: {
      properties: Record<
        string,
        { properties: Record<string, { enum: string[] }>; additionalProperties: boolean }
      >;
    };
  };
};
const rulesSetting = manifest.contributes.configuration.properties['kubectlCerts.rules'];

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

describe('the commands core names in its messages', () => {
  it("apiservice-insecure names the editor's caBundle command by its title in package.json", () => {
    const title = manifest.contributes.commands.find(
      (c) => c.command === 'kubectl-certs.insertCaBundle',
    )?.title;
    const [f] = lint(
      'apiVersion: apiregistration.k8s.io/v1\nkind: APIService\nmetadata: {name: v1beta1.metrics.k8s.io}\nspec:\n  insecureSkipTLSVerify: true\n',
    );
    expect(title).toBeTruthy();
    expect(f?.message).toContain(`'${title}'`);
  });
});
