import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parse } from 'yaml';
import { sha256File } from '../../release/checksums.ts';
import type { KrewManifest } from '../../release/krew-manifest.ts';
import { krewProblems } from '../../release/krew-rules.ts';

/**
 * What `kubectl krew install --manifest=M --archive=A` does on this machine (linux/amd64), step by
 * step: validate the manifest, pick the platform whose selector matches, check the archive's sha256,
 * unpack it, copy the `files` into store/NAME/VERSION/, link bin/kubectl-NAME to the platform's
 * `bin`, and keep the manifest as the receipt. Returns the installed executable's link.
 */
export async function krewInstall(
  manifestPath: string,
  archivePath: string,
  krewRoot: string,
): Promise<string> {
  const m = parse(readFileSync(manifestPath, 'utf8')) as KrewManifest;
  const problems = krewProblems(m, basename(manifestPath));
  if (problems.length) throw new Error(`invalid manifest: ${problems.join('; ')}`);
  const platform = m.spec.platforms.find(
    (p) => p.selector.matchLabels.os === 'linux' && p.selector.matchLabels.arch === 'amd64',
  );
  if (!platform) throw new Error('no platform matches linux/amd64');
  if ((await sha256File(archivePath)) !== platform.sha256)
    throw new Error('the archive does not match the sha256 of the manifest');

  const unpacked = mkdtempSync(join(tmpdir(), 'kc-krew-unpack-'));
  try {
    execFileSync('tar', ['-xzf', archivePath, '-C', unpacked]);
    const store = join(krewRoot, 'store', m.metadata.name, m.spec.version);
    mkdirSync(store, { recursive: true });
    for (const f of platform.files) {
      for (const name of matching(unpacked, f.from))
        renameSync(join(unpacked, name), join(store, f.to, name));
    }
    const bin = join(store, platform.bin);
    if (!existsSync(bin)) throw new Error(`bin ${platform.bin} is not among the installed files`);
    chmodSync(bin, 0o755);
    mkdirSync(join(krewRoot, 'bin'), { recursive: true });
    const link = join(krewRoot, 'bin', `kubectl-${m.metadata.name.replace(/-/g, '_')}`);
    symlinkSync(bin, link);
    mkdirSync(join(krewRoot, 'receipts'), { recursive: true });
    writeFileSync(join(krewRoot, 'receipts', `${m.metadata.name}.yaml`), readFileSync(manifestPath));
    return link;
  } finally {
    rmSync(unpacked, { recursive: true, force: true });
  }
}

/** krew's `from` is a glob over the unpacked archive; ours are names or "*". */
function matching(dir: string, from: string): string[] {
  if (from === '*') return readdirSync(dir);
  if (!existsSync(join(dir, from))) throw new Error(`files: ${from} is not in the archive`);
  return [from];
}
