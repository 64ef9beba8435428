import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// The built CLI as a user runs it: a real process, real stderr, real exit code.
const BIN = new URL('../bin/kubectl-certs.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'kc-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const badYaml = join(dir, 'bad.yaml');
writeFileSync(badYaml, 'apiVersion: v1\nclusters: [\n  - foo: : bar\n');
const noContext = join(dir, 'no-context.yaml');
writeFileSync(noContext, 'apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n');
const oneContext = join(dir, 'one.yaml');
writeFileSync(
  oneContext,
  'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]\ncontexts: [{name: one, context: {cluster: c, user: u}}]\nusers: [{name: u, user: {}}]\ncurrent-context: one\n',
);

function cli(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', HOME: join(dir, 'home'), ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('errors are one line "error: ..." with a non-zero exit, never a stack trace', () => {
  it.each([
    [
      'no kubeconfig anywhere',
      ['version'],
      {},
      /^error: no kubeconfig found: looked for --kubeconfig, \$KUBECONFIG \(unset\), .*\.kube\/config \(absent\) and an in-cluster service account/,
      1,
    ],
    [
      'a kubeconfig that is not YAML',
      ['version', '--kubeconfig', badYaml],
      {},
      /^error: cannot read kubeconfig .*bad\.yaml: missed comma/,
      1,
    ],
    [
      'a kubeconfig that does not exist',
      ['version', '--kubeconfig', join(dir, 'nope')],
      {},
      /^error: kubeconfig .*nope does not exist/,
      1,
    ],
    [
      '$KUBECONFIG naming only missing files',
      ['version'],
      { KUBECONFIG: join(dir, 'a:') + join(dir, 'b') },
      /^error: none of the files in \$KUBECONFIG exist/,
      1,
    ],
    [
      'a kubeconfig without contexts',
      ['version', '--kubeconfig', noContext],
      {},
      /^error: .*no-context\.yaml has no usable current-context: pass --context \(contexts: none\)/,
      1,
    ],
    [
      'an unknown --context',
      ['--context', 'prod', 'version', '--kubeconfig', oneContext],
      {},
      /^error: context "prod" not found in .*one\.yaml \(contexts: one\)/,
      1,
    ],
    [
      'an unreachable server',
      ['version', '--kubeconfig', oneContext],
      {},
      /^error: cannot get the server version: cannot reach https:\/\/127\.0\.0\.1:1: /,
      1,
    ],
    [
      'a bad --request-timeout',
      ['version', '--kubeconfig', oneContext, '--request-timeout', 'soon'],
      {},
      /^error: invalid --request-timeout "soon"/,
      1,
    ],
    [
      'an unknown output format',
      ['version', '-o', 'xml'],
      {},
      /^error: Expected --output=xml to be one of: table, json, yaml/,
      2,
    ],
    ['an unknown command', ['frobnicate'], {}, /^error: command frobnicate not found/, 2],
  ])('%s', (_name, args, env, message, code) => {
    const r = cli(args, env);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.code).toBe(code);
  });

  it('--debug adds the stack trace', () => {
    const r = cli(['version', '--kubeconfig', badYaml, '--debug']);
    expect(r.stderr).toMatch(/^error: cannot read kubeconfig/);
    expect(r.stderr).toMatch(/\n\s+at /);
  });
});

describe('version and help', () => {
  it('prints the client version without a server', () => {
    expect(cli(['version', '--client'])).toMatchObject({ code: 0, stdout: 'Client Version: v0.1.0\n' });
  });

  it('prints the client version as JSON', () => {
    const r = cli(['version', '--client', '-o', 'json']);
    expect(JSON.parse(r.stdout)).toEqual({
      clientVersion: {
        version: 'v0.1.0',
        nodeVersion: process.version,
        platform: `${process.platform}/${process.arch}`,
      },
    });
  });

  it('shows usage as "kubectl certs" with examples', () => {
    const r = cli(['version', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('$ kubectl certs version');
    expect(r.stdout).toContain('EXAMPLES');
    expect(r.stdout).toContain('kubectl certs --context prod version');
  });
});
