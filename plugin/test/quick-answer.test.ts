import { spawnSync } from 'node:child_process';
import { format } from 'node:util';
import { Help, run } from '@oclif/core';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { CliManifest } from '../src/cli-manifest.ts';
import { loadCliManifest } from '../src/cli-manifest-source.ts';
import { COMMANDS } from '../src/commands.ts';
import { quickAnswer } from '../src/fast-path.ts';
import { loadConfig } from '../src/oclif-config.ts';
import { rootHelp } from '../src/root-help.ts';

// The quick answers (src/fast-path.ts) stand in for oclif on the most frequent command lines; oclif's
// own answer is the reference for every one of them.
const ROOT = new URL('..', import.meta.url).pathname;
const BIN = new URL('../bin/kubectl-certs.js', import.meta.url).pathname;
let manifest: CliManifest;
beforeAll(async () => {
  manifest = await loadCliManifest();
});
afterEach(() => vi.restoreAllMocks());

/** What oclif prints for `argv`, run in this process with the CLI's own config. */
async function oclifPrints(argv: string[]): Promise<string> {
  let out = '';
  // oclif prints with console.log.
  vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    out += `${format(...args)}\n`;
  });
  await run(argv, await loadConfig(ROOT));
  vi.restoreAllMocks();
  return out;
}

/** oclif's root help at a given width. */
async function oclifRootHelp(maxWidth: number): Promise<string> {
  let out = '';
  class Captured extends Help {
    protected override log(...args: string[]): void {
      out += `${args.join(' ')}\n`;
    }
  }
  await new Captured(await loadConfig(ROOT), { maxWidth }).showHelp([]);
  return out;
}

describe('the quick root help', () => {
  it.each([20, 30, 40, 41, 50, 57, 64, 80, 97, 120, 200, 1000])(
    'is oclif’s root help at width %i',
    async (w) => {
      expect(rootHelp(manifest, w)).toBe(await oclifRootHelp(w));
    },
  );

  it('lists every visible command with its summary', () => {
    for (const [id, cmd] of Object.entries(COMMANDS))
      expect(manifest.commands).toContainEqual({ id, summary: cmd.summary });
  });

  it.each([
    ['no arguments', []],
    ['--help', ['--help']],
    ['-h', ['-h']],
    ['help', ['help']],
  ])('answers %s as oclif does (80 columns off a terminal)', async (_, argv) => {
    expect(quickAnswer(argv)?.(manifest)).toBe(await oclifPrints(argv));
  });
});

describe('the quick answers of version', () => {
  it.each([
    ['--version', ['--version']],
    ['version --client', ['version', '--client']],
    ['version --client -o json', ['version', '--client', '-o', 'json']],
    ['version -o json --client', ['version', '-o', 'json', '--client']],
    ['version --client --output=json', ['version', '--client', '--output=json']],
    ['version --client --output table', ['version', '--client', '--output', 'table']],
  ])('%s prints what oclif prints', async (_, argv) => {
    expect(quickAnswer(argv)?.(manifest)).toBe(await oclifPrints(argv));
  });
});

describe('command lines that go to oclif', () => {
  it.each([
    ['version (asks the server)', ['version']],
    ['version --client -o yaml (needs the YAML printer)', ['version', '--client', '-o', 'yaml']],
    ['version --client with another flag', ['version', '--client', '--debug']],
    ['global flags before the command', ['--context', 'x', 'version', '--client']],
    ['a command’s help', ['approve-serving', '--help']],
    ['help after another word', ['lint', '-h']],
    ['help of a command', ['help', 'lint']],
    ['root help with more words', ['--help', 'lint']],
    ['-v (kubectl’s verbosity, not a version flag)', ['-v']],
    ['any command', ['rbac']],
  ])('%s', (_, argv) => {
    expect(quickAnswer(argv)).toBeUndefined();
  });
});

describe('the built CLI', () => {
  it.each([
    ['80 columns off a terminal', {}, 80],
    ['OCLIF_COLUMNS', { OCLIF_COLUMNS: '52' }, 52],
  ])('prints the quick root help at %s', async (_, env, width) => {
    const r = spawnSync(process.execPath, [BIN, '--help'], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH, ...env },
    });
    expect([r.status, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toBe(await oclifRootHelp(width));
  });
});
