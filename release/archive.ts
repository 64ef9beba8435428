import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { create } from 'tar';
import yazl from 'yazl';

/** One file of an archive: its name inside, where it is now, and whether it is executable. */
export interface Entry {
  name: string;
  path: string;
  executable: boolean;
}

/**
 * Archives hold their files at the top level, where the krew manifest's `files` name them. Times are
 * fixed, so the same inputs give the same bytes and the same sha256.
 */
const MTIME = new Date('2000-01-01T00:00:00Z');

export async function writeTarGz(out: string, dir: string, entries: Entry[]): Promise<void> {
  // node-tar reads modes from the files; the caller stages them with the right modes in `dir`.
  await create(
    { gzip: true, file: out, cwd: dir, portable: true, mtime: MTIME },
    entries.map((e) => e.name),
  );
}

export async function writeZip(out: string, entries: Entry[]): Promise<void> {
  const zip = new yazl.ZipFile();
  for (const e of entries)
    zip.addFile(e.path, e.name, { mtime: MTIME, mode: e.executable ? 0o100755 : 0o100644 });
  zip.end();
  await finished(zip.outputStream.pipe(createWriteStream(out)));
}
