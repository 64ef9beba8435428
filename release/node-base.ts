import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { extract } from 'tar';
import { cacheDir } from './cache.ts';
import { ReleaseError } from './release-error.ts';

/**
 * The Node executable that the npm package `pkg@version` ships (bin/node, or bin/node.exe for
 * Windows), downloaded once into the cache. `npm pack` fetches the tarball without installing it, so
 * packages for other operating systems and CPUs download as well (npm install would refuse them).
 */
export async function nodeBase(pkg: string, version: string): Promise<string> {
  const dir = cacheDir('node-bases', `${pkg}-${version}`);
  const exe = join(dir, 'bin', pkg.startsWith('node-win-') ? 'node.exe' : 'node');
  if (existsSync(exe)) return exe;
  const tmp = `${dir}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const r = spawnSync('npm', ['pack', `${pkg}@${version}`, '--pack-destination', tmp, '--loglevel=error'], {
    encoding: 'utf8',
  });
  const tgz = readdirSync(tmp).find((f) => f.endsWith('.tgz'));
  if (r.status !== 0 || !tgz) {
    rmSync(tmp, { recursive: true, force: true });
    const why = npmReason(r.stderr) ?? r.error?.message;
    throw new ReleaseError(
      `could not download ${pkg}@${version} from the npm registry (${why || `npm exit ${r.status}`}); check the network, or the version in release/targets.ts`,
    );
  }
  await extract({ file: join(tmp, tgz), cwd: tmp, strip: 1, filter: (p) => p.startsWith('package/bin/') });
  rmSync(join(tmp, tgz));
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  if (!existsSync(exe)) throw new ReleaseError(`${pkg}@${version} has no ${exe.slice(dir.length + 1)}`);
  return exe;
}

/** The line of npm's error output that says what went wrong ("No matching version found for ..."). */
function npmReason(stderr: string): string | undefined {
  return stderr
    .split('\n')
    .map((l) => l.replace(/^npm (error|ERR!)\s*/, '').replace(/^(notarget|code \w+)\s*/, ''))
    .find((l) => l !== '' && !/^A complete log/.test(l) && !/^npm warn/.test(l));
}
