import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../src/commands.ts';

// `kubectl certs help [COMMAND]`, as kubectl and every Cobra CLI have it: the same text as --help.
const BIN = new URL('../bin/kubectl-certs.js', import.meta.url).pathname;
const run = (args: string[]) => {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

describe('kubectl certs help', () => {
  it('alone prints the root help', () => {
    expect(run(['help'])).toEqual(run(['--help']));
  });

  it.each(Object.keys(COMMANDS))('%s prints what %s --help prints', (id) => {
    const help = run(['help', id]);
    expect(help.code).toBe(0);
    expect(help).toEqual(run([id, '--help']));
  });

  it('of a command that does not exist is one error line and exit 2', () => {
    expect(run(['help', 'nope'])).toEqual({
      code: 2,
      stdout: '',
      stderr: 'error: Command nope not found.\n',
    });
  });
});
