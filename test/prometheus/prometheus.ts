import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from '../../release/cache.ts';
import { unpackDebs } from '../../release/debian-packages.ts';

/**
 * Debian's prometheus package (the server and promtool), unpacked once into the cache and never
 * installed: no service starts, and tests run it on loopback with a config of their own.
 */
export function prometheusTools(): { prometheus: string; promtool: string } {
  const dir = cacheDir('prometheus');
  const tools = { prometheus: join(dir, 'usr/bin/prometheus'), promtool: join(dir, 'usr/bin/promtool') };
  if (existsSync(join(dir, '.complete'))) return tools;
  const tmp = `${dir}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  unpackDebs(['prometheus'], tmp);
  writeFileSync(join(tmp, '.complete'), 'prometheus\n');
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  return tools;
}
