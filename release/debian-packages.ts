import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReleaseError } from './release-error.ts';

/**
 * Debian packages downloaded with apt-get (not installed: no service starts, dpkg is not touched)
 * and unpacked into `dir`. apt's lists are refreshed once when a package is not found in them (a
 * new machine has none).
 */
export function unpackDebs(pkgs: string[], dir: string): void {
  const debs = mkdtempSync(join(tmpdir(), 'kc-debs-'));
  mkdirSync(dir, { recursive: true });
  try {
    const download = () =>
      spawnSync('apt-get', ['-o', 'APT::Sandbox::User=root', 'download', '-qq', ...pkgs], {
        cwd: debs,
        encoding: 'utf8',
      });
    let r = download();
    if (r.status !== 0) {
      spawnSync('apt-get', ['-o', 'DPkg::Lock::Timeout=300', 'update', '-qq'], { stdio: 'ignore' });
      r = download();
    }
    if (r.error || r.status !== 0)
      throw new ReleaseError(
        `apt-get download ${pkgs.join(' ')} failed: ${r.error?.message ?? r.stderr.trim().split('\n').pop()}`,
      );
    for (const deb of readdirSync(debs)) {
      const x = spawnSync('dpkg-deb', ['-x', join(debs, deb), dir], { encoding: 'utf8' });
      if (x.status !== 0) throw new ReleaseError(`dpkg-deb -x ${deb} failed: ${x.stderr.trim()}`);
    }
  } finally {
    rmSync(debs, { recursive: true, force: true });
  }
}
