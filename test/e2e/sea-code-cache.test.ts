import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { REPORT_CODE_CACHE } from '../../plugin/src/sea/asset-names.ts';
import { buildSea } from '../../release/sea.ts';
import { hostTarget } from '../../release/targets.ts';

// V8 silently compiles from scratch when a code cache does not fit (another V8, other flags):
// nothing fails, start-up just gets slower. So this asks the executable itself.
describe('the single executable of this platform', { timeout: 180_000 }, () => {
  const host = hostTarget();
  const entry = 'code cache of kubectl-certs.cjs: accepted\n';
  const oclif = 'code cache of oclif-cli.cjs: accepted\n';
  it.runIf(host).each([
    ['the root help, from the entry bundle alone', ['--help'], entry],
    ['version --client, from the entry bundle alone', ['version', '--client'], entry],
    ['completion, from the entry bundle alone', ['__complete', 'l'], entry],
    ['a command’s help, through oclif’s bundle too', ['lint', '--help'], entry + oclif],
    ['a command, through oclif’s bundle too', ['rbac', '--user', 'jane'], entry + oclif],
  ])('starts %s with the code cache made when it was built (V8 accepts it)', async (_, argv, report) => {
    const exe = await buildSea(host as NonNullable<typeof host>);
    const r = spawnSync(exe, argv, { env: { ...process.env, [REPORT_CODE_CACHE]: '1' }, encoding: 'utf8' });
    expect([r.status, r.stderr]).toEqual([0, report]);
  });

  it.runIf(host)('without a code cache says so', async () => {
    const exe = await buildSea(host as NonNullable<typeof host>, { codeCache: false });
    const r = spawnSync(exe, ['--help'], {
      env: { ...process.env, [REPORT_CODE_CACHE]: '1' },
      encoding: 'utf8',
    });
    expect([r.status, r.stderr]).toEqual([0, 'code cache of kubectl-certs.cjs: none\n']);
  });
});
