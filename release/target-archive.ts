import { chmodSync, copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Entry, writeTarGz, writeZip } from './archive.ts';
import { sha256File } from './checksums.ts';
import { completionHelper } from './completion-helper.ts';
import type { ReleasedArchive } from './krew-manifest.ts';
import { buildSea } from './sea.ts';
import type { Target } from './targets.ts';

const LICENSE = new URL('../LICENSE', import.meta.url).pathname;

export function archiveName(target: Target, version: string): string {
  return `kubectl-certs-v${version}-${target.id}.${target.archive}`;
}

/** Builds (or takes from the cache) the target's executable and writes its archive into `outDir`. */
export async function archiveTarget(
  target: Target,
  version: string,
  outDir: string,
): Promise<ReleasedArchive> {
  const exe = await buildSea(target);
  const stage = mkdtempSync(join(tmpdir(), `kc-stage-${target.id}-`));
  try {
    const helper = completionHelper(target.os);
    const entries: Entry[] = [
      { name: target.exe, path: join(stage, target.exe), executable: true },
      { name: helper.name, path: join(stage, helper.name), executable: true },
      { name: 'LICENSE', path: join(stage, 'LICENSE'), executable: false },
    ];
    copyFileSync(exe, join(stage, target.exe));
    writeFileSync(join(stage, helper.name), helper.text);
    copyFileSync(LICENSE, join(stage, 'LICENSE'));
    for (const e of entries) chmodSync(e.path, e.executable ? 0o755 : 0o644);
    const fileName = archiveName(target, version);
    const out = join(outDir, fileName);
    if (target.archive === 'zip') await writeZip(out, entries);
    else await writeTarGz(out, stage, entries);
    return { target, fileName, sha256: await sha256File(out), files: entries.map((e) => e.name) };
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}
