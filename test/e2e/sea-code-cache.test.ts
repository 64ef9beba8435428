import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPORT_CODE_CACHE } from '../../plugin/src/sea/asset-names.ts';
import { buildSea } from '../../release/sea.ts';
import { hostTarget } from '../../release/targets.ts';

// V8 silently compiles from scratch when a code cache does not fit (another V8, other flags):
// nothing fails, start-up just gets slower. So this asks the executable itself.
describe('the single executable of this platform', { timeout: 180_000 }, () => {
  const host = hostTarget();
  const kubeconfig = join(mkdtempSync(join(tmpdir(), 'kc-cache-')), 'kubeconfig');
  writeFileSync(
    kubeconfig,
    'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]\ncontexts: [{name: c, context: {cluster: c, user: u}}]\nusers: [{name: u, user: {}}]\ncurrent-context: c\n',
  );
  const cluster = ['--kubeconfig', kubeconfig, '--request-timeout', '2s'];
  const accepted = (...bundles: string[]) => bundles.map((b) => `code cache of ${b}: accepted`);
  const [entry, oclif, clientNode] = ['kubectl-certs.cjs', 'oclif-cli.cjs', 'client-node.cjs'];
  it.runIf(host).each([
    ['the root help, from the entry bundle alone', ['--help'], 0, accepted(entry)],
    ['version --client, from the entry bundle alone', ['version', '--client'], 0, accepted(entry)],
    ['completion, from the entry bundle alone', ['__complete', 'l'], 0, accepted(entry)],
    ['a command’s help, through oclif’s bundle too', ['lint', '--help'], 0, accepted(entry, oclif)],
    ['a command, through oclif’s bundle too', ['rbac', '--user', 'jane'], 0, accepted(entry, oclif)],
    ['version, through client-node too', ['version', ...cluster], 1, accepted(entry, oclif, clientNode)],
    // check-expiration keeps the young generation small (a V8 flag) before it loads client-node.
    [
      'check-expiration, through client-node too',
      ['check-expiration', ...cluster],
      1,
      accepted(entry, oclif, clientNode),
    ],
  ])(
    'starts %s with the code caches made when it was built (V8 accepts them)',
    async (_, argv, status, report) => {
      const exe = await buildSea(host as NonNullable<typeof host>);
      const r = spawnSync(exe, argv, { env: { ...process.env, [REPORT_CODE_CACHE]: '1' }, encoding: 'utf8' });
      expect(r.status).toBe(status);
      expect(r.stderr.split('\n').filter((l) => l.startsWith('code cache'))).toEqual(report);
    },
  );

  it.runIf(host)('without a code cache says so', async () => {
    const exe = await buildSea(host as NonNullable<typeof host>, { codeCache: false });
    const r = spawnSync(exe, ['--help'], {
      env: { ...process.env, [REPORT_CODE_CACHE]: '1' },
      encoding: 'utf8',
    });
    expect([r.status, r.stderr]).toEqual([0, 'code cache of kubectl-certs.cjs: none\n']);
  });
});
