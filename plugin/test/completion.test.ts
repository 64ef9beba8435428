import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FISH, requireXplatTools } from '../../test/e2e/xplat-tools.ts';
import { COMMANDS } from '../src/commands.ts';

// The built CLI as kubectl and the shells call it: "kubectl-certs __complete WORDS...".
const BIN = new URL('../bin/kubectl-certs.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'kc-complete-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
// On PATH as the user has it, for the shells' scripts.
symlinkSync(BIN, join(dir, 'kubectl-certs'));

function run(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The candidates (without descriptions) and the directive of one completion. */
function completeWords(words: string[]): { values: string[]; directive: number } {
  const lines = run(['__completeNoDesc', ...words])
    .stdout.trimEnd()
    .split('\n');
  return { values: lines.slice(0, -1), directive: Number(lines.at(-1)?.slice(1)) };
}

describe('kubectl-certs __complete (the protocol of kubectl 1.26+ and Cobra)', () => {
  it('offers every command oclif runs, with its summary', () => {
    const r = run(['__complete', '']);
    expect(r.code).toBe(0);
    for (const [id, cmd] of Object.entries(COMMANDS)) expect(r.stdout).toContain(`${id}\t${cmd.summary}\n`);
    expect(r.stdout.endsWith('\n:4\n')).toBe(true);
  });

  it('offers every flag of every command', () => {
    for (const [id, cmd] of Object.entries(COMMANDS)) {
      const { values } = completeWords([id, '--']);
      for (const flag of Object.keys({ ...cmd.baseFlags, ...cmd.flags }))
        expect(values).toContain(`--${flag}`);
    }
  });

  it.each([
    ['commands by prefix', ['ch'], ['check-expiration'], 4],
    ['global flags before the command', ['--con'], ['--context'], 4],
    ['the command after global flags and their values', ['--context', 'prod', 'ver'], ['version'], 4],
    ['the values of -o', ['version', '-o', ''], ['table', 'json', 'yaml'], 4],
    ['the values of -o before the command', ['-o', 'j'], ['json'], 4],
    [
      '--flag=value forms',
      ['lint', '--fail-on='],
      ['--fail-on=error', '--fail-on=warning', '--fail-on=info'],
      4,
    ],
    ['the shells of completion', ['completion', ''], ['bash', 'zsh', 'fish'], 4],
    [
      'a flag once unless repeatable',
      ['rbac', '--user', 'a', '--name', 'x', '--'],
      [
        '--kubeconfig',
        '--context',
        '--request-timeout',
        '--output',
        '--debug',
        '--user',
        '--group',
        '--serviceaccount',
        '--lease-namespace',
      ],
      4,
    ],
    ['files for lint paths', ['lint', ''], [], 0],
    ['files for --kubeconfig', ['version', '--kubeconfig', ''], [], 0],
    ['nothing for a command without arguments', ['version', ''], [], 4],
    ['nothing for an unknown command', ['nope', ''], [], 4],
  ])('completes %s', (_name, words, values, directive) => {
    expect(completeWords(words)).toEqual({ values, directive });
  });
});

describe('kubectl certs completion bash|zsh|fish', () => {
  it.each(['bash', 'zsh', 'fish'])('prints a %s script that asks the executable', (shell) => {
    const r = run(['completion', shell]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('__complete');
    expect(r.stdout).toContain('kubectl-certs');
  });

  it('the bash script completes in a real bash', () => {
    // The script's function called as bash does on TAB, with kubectl-certs on PATH.
    writeFileSync(join(dir, 'completion.bash'), run(['completion', 'bash']).stdout);
    const script = `source ${join(dir, 'completion.bash')}
COMP_WORDS=(kubectl-certs lint --fail-on w); COMP_CWORD=3; __kubectl_certs_complete; echo "\${COMPREPLY[*]}"
COMP_WORDS=(kubectl-certs ""); COMP_CWORD=1; __kubectl_certs_complete; echo "\${COMPREPLY[*]}"`;
    const r = spawnSync('bash', ['--norc', '-c', script], {
      encoding: 'utf8',
      env: { PATH: [dir, dirname(process.execPath), process.env.PATH].join(delimiter) },
    });
    expect(r.stdout).toBe(`warning\n${Object.keys(COMMANDS).sort().join(' ')}\n`);
  });

  it('the fish script completes in a real fish', () => {
    requireXplatTools();
    writeFileSync(join(dir, 'completion.fish'), run(['completion', 'fish']).stdout);
    const script = `source ${join(dir, 'completion.fish')}
complete -C 'kubectl-certs lint --fail-on w'; complete -C 'kubectl-certs version --cl'`;
    const r = spawnSync(FISH, ['--no-config', '-c', script], {
      encoding: 'utf8',
      env: { PATH: [dir, dirname(process.execPath), process.env.PATH].join(delimiter) },
    });
    expect(r.stdout).toBe(`warning\n--client\t${COMMANDS.version?.flags?.client?.description}\n`);
  });

  it('refuses another shell with a one-line error', () => {
    const r = run(['completion', 'powershell']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: Expected powershell to be one of: bash, zsh, fish\n$/);
  });
});
