import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireXplatTools } from './xplat-tools.ts';
import { zshCompletes } from './zsh-session.ts';

// TAB in a real interactive zsh: kubectl-certs's own zsh script, and kubectl's, which hands
// "kubectl certs ..." to kubectl_complete-certs (kubectl 1.26+). The npm package's executables are
// on PATH as npm -g puts them; the shell starts in a folder with one manifest, for file completion.
const BIN = new URL('../../plugin/bin/kubectl-certs.js', import.meta.url).pathname;
const COMPLETE_BIN = new URL('../../plugin/bin/kubectl_complete-certs.js', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'kc-zsh-completion-'));
const bin = join(work, 'bin');
const fpathDir = join(work, 'site-functions');
const cwd = join(work, 'cwd');
const env = {
  PATH: [bin, dirname(process.execPath), '/usr/bin', '/bin'].join(delimiter),
  HOME: work,
  KUBECONFIG: join(work, 'absent'),
};
afterAll(() => rmSync(work, { recursive: true, force: true }));

beforeAll(() => {
  requireXplatTools();
  for (const d of [bin, fpathDir, cwd]) mkdirSync(d);
  symlinkSync(BIN, join(bin, 'kubectl-certs'));
  symlinkSync(COMPLETE_BIN, join(bin, 'kubectl_complete-certs'));
  writeFileSync(join(cwd, 'components.yaml'), 'kind: Deployment\n');
  const script = execFileSync(process.execPath, [BIN, 'completion', 'zsh'], { encoding: 'utf8' });
  writeFileSync(join(work, 'kubectl-certs.zsh'), script);
  writeFileSync(join(fpathDir, '_kubectl-certs'), script);
  writeFileSync(
    join(work, 'kubectl.zsh'),
    execFileSync('kubectl', ['completion', 'zsh'], { encoding: 'utf8' }),
  );
});

const compinit = 'autoload -Uz compinit; compinit -u -D';
const sourced = (file: string) => [compinit, `source ${join(work, file)}`];

/** What the command line reads after typing `typed` and TAB. */
const tab = (setup: string[], typed: string) => zshCompletes(setup, typed, { cwd, env });

describe('zsh completes kubectl-certs with the script of "kubectl-certs completion zsh", sourced after compinit', () => {
  it.each([
    ['a command by prefix', 'kubectl-certs approve-', 'kubectl-certs approve-serving '],
    ['a flag of the command', 'kubectl-certs version --cl', 'kubectl-certs version --client '],
    ['the value of a flag', 'kubectl-certs lint --fail-on w', 'kubectl-certs lint --fail-on warning '],
    ['the command after global flags', 'kubectl-certs --context x ver', 'kubectl-certs --context x version '],
    ['file names for lint paths', 'kubectl-certs lint comp', 'kubectl-certs lint components.yaml '],
    [
      'no file names where the command takes no argument',
      'kubectl-certs version comp',
      'kubectl-certs version comp',
    ],
  ])('%s', (_name, typed, completed) => {
    expect(tab(sourced('kubectl-certs.zsh'), typed)).toBe(completed);
  });
});

describe('zsh completes kubectl certs through kubectl\'s own "kubectl completion zsh" and kubectl_complete-certs', () => {
  it.each([
    ['a command by prefix', 'kubectl certs approve-', 'kubectl certs approve-serving '],
    ['a flag of the command', 'kubectl certs version --cl', 'kubectl certs version --client '],
    [
      'the value of a flag after kubectl global flags',
      'kubectl certs --context x lint --fail-on w',
      'kubectl certs --context x lint --fail-on warning ',
    ],
    ['file names for lint paths', 'kubectl certs lint comp', 'kubectl certs lint components.yaml '],
    // kubectl itself offers file names when a plugin has no completion helper.
    [
      'no file names where the command takes no argument',
      'kubectl certs version comp',
      'kubectl certs version comp',
    ],
  ])('%s', (_name, typed, completed) => {
    expect(tab(sourced('kubectl.zsh'), typed)).toBe(completed);
  });
});

describe('zsh completes kubectl-certs with the script saved as _kubectl-certs in $fpath', () => {
  // Autoloaded from $fpath, the file is the body of _kubectl-certs, run at the first TAB: it must
  // complete then, not only register itself for the next TAB (as Cobra's scripts do, with $funcstack).
  it('completes on the first TAB', () => {
    expect(tab([`fpath=(${fpathDir} $fpath)`, compinit], 'kubectl-certs approve-')).toBe(
      'kubectl-certs approve-serving ',
    );
  });
});
