import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// The single executables' main script (sea/main.cjs) and the CLI bundle it evaluates, run by plain
// Node in a folder without sea/client-node.cjs: whatever works there never reads
// @kubernetes/client-node, which the executables carry as an asset and evaluate only when a command
// talks to a cluster.
const SEA = new URL('../sea/', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'kc-sea-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
for (const f of ['main.cjs', 'kubectl-certs.cjs']) copyFileSync(join(SEA, f), join(dir, f));
const kubeconfig = join(dir, 'kubeconfig');
writeFileSync(
  kubeconfig,
  'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]\ncontexts: [{name: one, context: {cluster: c, user: u}}]\nusers: [{name: u, user: {}}]\ncurrent-context: one\n',
);

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [join(dir, 'main.cjs'), ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', HOME: dir },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the single-file bundle of the executables', () => {
  it.each([
    ['--help', ['--help'], /^kubectl plugin: /],
    ["a command's help", ['approve-serving', '--help'], /\$ kubectl certs approve-serving/],
    ['version --client', ['version', '--client'], /^Client Version: v0\.1\.0\n$/],
    ['completion', ['__complete', ''], /^approve-serving\t/],
    ['lint', ['lint', join(dir, 'kubeconfig')], /^$/],
  ])('runs %s without client-node', (_name, args, stdout) => {
    const r = cli(args);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(stdout);
  });

  it('reads client-node only when a command talks to a cluster', () => {
    const without = cli(['version', '--kubeconfig', kubeconfig, '--request-timeout', '2s']);
    expect(without.stderr).toBe('error: client-node.cjs is missing beside the CLI bundle\n');
    copyFileSync(join(SEA, 'client-node.cjs'), join(dir, 'client-node.cjs'));
    const withIt = cli(['version', '--kubeconfig', kubeconfig, '--request-timeout', '2s']);
    expect(withIt.stderr).toMatch(/^error: .*127\.0\.0\.1:1/);
  });
});
