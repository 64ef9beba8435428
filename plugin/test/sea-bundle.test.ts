import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// The single executables' main script (sea/main.cjs) and the CLI bundles it evaluates, run by plain
// Node in folders that leave bundles out: whatever works there never reads what is missing. The
// executables carry each bundle as an asset and evaluate it only when a command line needs it:
// oclif-cli.cjs (oclif and the commands) for anything but a quick answer, client-node.cjs
// (@kubernetes/client-node) when a command talks to a cluster.
const SEA = new URL('../sea/', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'kc-sea-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A folder with main.cjs and the given bundles. */
function bundles(name: string, files: string[]): string {
  const d = join(dir, name);
  mkdirSync(d);
  for (const f of ['main.cjs', ...files]) copyFileSync(join(SEA, f), join(d, f));
  return d;
}
const entryOnly = bundles('entry', ['kubectl-certs.cjs']);
const withOclif = bundles('oclif', ['kubectl-certs.cjs', 'oclif-cli.cjs']);
const kubeconfig = join(dir, 'kubeconfig');
writeFileSync(
  kubeconfig,
  'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]\ncontexts: [{name: one, context: {cluster: c, user: u}}]\nusers: [{name: u, user: {}}]\ncurrent-context: one\n',
);

function cli(folder: string, args: string[]) {
  const r = spawnSync(process.execPath, [join(folder, 'main.cjs'), ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', HOME: dir },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the bundles of the executables', () => {
  it.each([
    ['--help', ['--help'], /^kubectl plugin: /],
    ['-h', ['-h'], /^kubectl plugin: /],
    ['--version', ['--version'], /^kubectl-certs\/0\.1\.0 /],
    ['version --client', ['version', '--client'], /^Client Version: v0\.1\.0\n$/],
    ['version --client -o json', ['version', '--client', '-o', 'json'], /"clientVersion"/],
    ['completion', ['__complete', ''], /^approve-serving\t/],
  ])('answer %s from the entry bundle alone', (_name, args, stdout) => {
    const r = cli(entryOnly, args);
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toMatch(stdout);
  });

  it('load oclif’s bundle for any other command line', () => {
    expect(cli(entryOnly, ['lint', '--help'])).toMatchObject({
      code: 1,
      stderr: 'error: oclif-cli.cjs is missing\n',
    });
  });

  it.each([
    ["a command's help", ['approve-serving', '--help'], /\$ kubectl certs approve-serving/],
    ["a command's help with -h", ['lint', '-h'], /\$ kubectl certs lint/],
    ['version --client -o yaml', ['version', '--client', '-o', 'yaml'], /^clientVersion:\n/],
    ['lint', ['lint', kubeconfig], /^$/],
  ])('run %s without client-node', (_name, args, stdout) => {
    const r = cli(withOclif, args);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(stdout);
  });

  it('read client-node only when a command talks to a cluster', () => {
    const without = cli(withOclif, ['version', '--kubeconfig', kubeconfig, '--request-timeout', '2s']);
    expect(without.stderr).toBe('error: client-node.cjs is missing\n');
    copyFileSync(join(SEA, 'client-node.cjs'), join(withOclif, 'client-node.cjs'));
    const withIt = cli(withOclif, ['version', '--kubeconfig', kubeconfig, '--request-timeout', '2s']);
    expect(withIt.stderr).toMatch(/^error: .*127\.0\.0\.1:1/);
  });
});
