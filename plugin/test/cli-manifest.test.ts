import type { Command } from '@oclif/core';
import { describe, expect, it } from 'vitest';
import { cliManifest } from '../src/cli-manifest.ts';

// The quick root help shows what the manifest holds, and cannot render what oclif would render
// differently: the manifest refuses such commands at build time instead of printing them wrong.
const PJSON = { name: 'kubectl-certs', version: '1.2.3', description: 'd', oclif: { bin: 'kubectl certs' } };
const command = (props: Partial<Record<'summary' | 'description' | 'hidden' | 'aliases', unknown>>) =>
  ({ aliases: [], flags: {}, args: {}, ...props }) as unknown as Command.Class;

describe('the CLI manifest', () => {
  it('lists visible commands sorted by id, each with the first line of its summary or description, and completes only those', () => {
    const m = cliManifest(
      {
        zeta: command({ summary: 'Last.' }),
        alpha: command({ description: 'First line.\nMore.' }),
        secret: command({ summary: 'Hidden.', hidden: true }),
      },
      {},
      PJSON,
    );
    expect(m.commands).toEqual([
      { id: 'alpha', summary: 'First line.' },
      { id: 'zeta', summary: 'Last.' },
    ]);
    expect(m.completion.commands.map((c) => c.id)).toEqual(['alpha', 'zeta']);
  });

  it.each([
    ['a summary that is an EJS template', { x: command({ summary: 'Run <%= config.bin %>.' }) }, /EJS/],
    ['a command with an alias', { x: command({ summary: 'X.', aliases: ['y'] }) }, /aliases/],
    ['a command in a topic', { 'a:b': command({ summary: 'X.' }) }, /topics/],
  ])('refuses %s', (_, commands, message) => {
    expect(() => cliManifest(commands, {}, PJSON)).toThrow(message);
  });
});
