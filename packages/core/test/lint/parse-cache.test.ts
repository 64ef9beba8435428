import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { applyEdits } from '../../src/lint/apply-edits.ts';
import { lint } from '../../src/lint/lint.ts';
import { ParseCache } from '../../src/lint/parsed-file.ts';

const example = readFileSync(new URL('../../../../docs/examples/components.yaml', import.meta.url), 'utf8');
const many = Array.from({ length: 5 }, () => example).join('---\n');

describe('linting document by document, with a cache of parsed documents', () => {
  it('finds in every document of a long file, with ranges and fixes in file coordinates', () => {
    const findings = lint(many);
    expect(findings.map((f) => f.ruleId)).toEqual(
      Array(5).fill(['insecure-kubelet-tls', 'apiservice-insecure']).flat(),
    );
    for (const f of findings) {
      const line = many.split('\n')[f.range.startLine - 1] ?? '';
      expect(line.slice(f.range.startColumn - 1)).toMatch(/^(--kubelet-insecure-tls|true)/);
      expect(many.slice(f.range.start, f.range.end)).toMatch(/^(--kubelet-insecure-tls|true)$/);
    }
    const last = findings.at(-2);
    const fixed = applyEdits(many, last?.fixes[0]?.edits ?? []);
    const lastDeployment = many.lastIndexOf('apiVersion: apps/v1');
    expect(fixed.slice(0, lastDeployment)).toBe(many.slice(0, lastDeployment));
    expect(lint(fixed).filter((f) => f.ruleId === 'insecure-kubelet-tls')).toHaveLength(4);
  });

  it('gives the same findings with a cache as without, edit after edit', () => {
    const cache = new ParseCache();
    let text = many;
    for (const edit of [
      '# one\n',
      'x',
      '\n---\nkind: KubeletConfiguration\napiVersion: kubelet.config.k8s.io/v1beta1\n',
    ]) {
      text = `${text.slice(0, 300)}${edit}${text.slice(300)}`;
      expect(lint(text, {}, cache)).toEqual(lint(text));
    }
  });

  it('reports a syntax error in a later document at its line in the file', () => {
    const text = `${example}---\nkind: ConfigMap\ndata:\n  a: 1\n b: 2\n`;
    const [f] = lint(text, {}, new ParseCache());
    expect(f).toMatchObject({ ruleId: 'yaml-syntax', range: { startLine: example.split('\n').length + 4 } });
  });

  it('keeps a file with directives whole (a directive belongs to the next document)', () => {
    const text = `%YAML 1.2\n---\n${example}`;
    expect(lint(text, {}, new ParseCache())).toEqual(lint(text));
    expect(lint(text).map((f) => f.ruleId)).toEqual(['insecure-kubelet-tls', 'apiservice-insecure']);
  });
});
