import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { REPORT_CODE_CACHE } from '../../plugin/src/sea/asset-names.ts';
import { buildSea } from '../../release/sea.ts';
import { hostTarget } from '../../release/targets.ts';

// V8 silently compiles from scratch when a code cache does not fit (another V8, other flags):
// nothing fails, start-up just gets slower. So this asks the executable itself.
describe('the single executable of this platform', { timeout: 180_000 }, () => {
  const host = hostTarget();
  it.runIf(host)('starts from the code cache made when it was built (V8 accepts it)', async () => {
    const exe = await buildSea(host as NonNullable<typeof host>);
    for (const argv of [['--help'], ['version', '--client'], ['lint', '--help']]) {
      const r = spawnSync(exe, argv, { env: { ...process.env, [REPORT_CODE_CACHE]: '1' }, encoding: 'utf8' });
      expect([r.status, r.stderr]).toEqual([0, 'code cache: accepted\n']);
    }
  });

  it.runIf(host)('without a code cache says so', async () => {
    const exe = await buildSea(host as NonNullable<typeof host>, { codeCache: false });
    const r = spawnSync(exe, ['--help'], {
      env: { ...process.env, [REPORT_CODE_CACHE]: '1' },
      encoding: 'utf8',
    });
    expect([r.status, r.stderr]).toEqual([0, 'code cache: none\n']);
  });
});
