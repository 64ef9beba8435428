import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// The single executables' main script (sea/kubectl-certs.cjs) run by plain Node, alone in a folder:
// whatever works there never reads @kubernetes/client-node, which lives in sea/client-node.cjs (an
// asset inside the executables) and is evaluated only when a command talks to a cluster.
const SEA = new URL('../sea/', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'kc-sea-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
copyFileSync(join(SEA, 'kubectl-certs.cjs'), join(dir, 'kubectl-certs.cjs'));
const kubeconfig = join(dir, 'kubeconfig');
writeFileSync(
  kubeconfig,
  'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]\ncontexts: [{name: one, context: {cluster: c, user: u}}]\nusers: [{name: u, user: {}}]\ncurrent-context: one\n',
);

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [join(dir, 'kubectl-certs.cjs'), ...args], {
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
    expect(without.stderr).toMatch(/^error: ENOENT: no such file or directory, open '.*client-node\.cjs'\n$/);
    copyFileSync(join(SEA, 'client-node.cjs'), join(dir, 'client-node.cjs'));
    const withIt = cli(['version', '--kubeconfig', kubeconfig, '--request-timeout', '2s']);
    expect(withIt.stderr).toMatch(/^error: .*127\.0\.0\.1:1/);
  });
});
