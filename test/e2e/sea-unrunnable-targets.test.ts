import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BUNDLES, codeCacheAsset } from '../../plugin/src/sea/asset-names.ts';
import { buildSea } from '../../release/sea.ts';
import { targetById } from '../../release/targets.ts';

// The macOS and Windows executables cannot be run here (no macOS; Node 24 does not start under
// Debian's wine 8.0, see docs/install.md). What can be checked is that each is the platform's own
// executable format with the SEA blob where that platform's Node looks for it, the fuse that makes
// Node start the blob flipped, and every bundle the CLI loads inside (but no code cache: V8 would
// refuse one made on this platform).
const FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

/** The names of a 64-bit little-endian Mach-O file's segments (LC_SEGMENT_64 load commands). */
function machoSegments(exe: Buffer): string[] {
  expect(exe.readUInt32LE(0)).toBe(0xfeedfacf);
  const count = exe.readUInt32LE(16);
  const segments: string[] = [];
  for (let i = 0, at = 32; i < count; i++, at += exe.readUInt32LE(at + 4))
    if (exe.readUInt32LE(at) === 0x19)
      segments.push(exe.toString('latin1', at + 8, at + 24).replace(/\0+$/, ''));
  return segments;
}

/** The machine type of a PE file (0x8664: x86-64). */
function peMachine(exe: Buffer): number {
  expect(exe.toString('latin1', 0, 2)).toBe('MZ');
  const pe = exe.readUInt32LE(0x3c);
  expect(exe.toString('latin1', pe, pe + 4)).toBe('PE\0\0');
  return exe.readUInt16LE(pe + 4);
}

describe.each([
  ['darwin-amd64', (exe: Buffer) => expect(machoSegments(exe)).toContain('NODE_SEA')],
  [
    'windows-amd64',
    (exe: Buffer) => {
      expect(peMachine(exe)).toBe(0x8664);
      // postject adds the blob as a resource named NODE_SEA_BLOB (resource names are UTF-16).
      expect(exe.includes(Buffer.from('NODE_SEA_BLOB', 'utf16le'))).toBe(true);
    },
  ],
])('the %s executable', { timeout: 600_000 }, (id, hasBlobWhereNodeLooks) => {
  it('is the platform’s executable with the SEA blob where Node looks, the fuse flipped, every bundle and no code cache', async () => {
    const exe = readFileSync(await buildSea(targetById(id)));
    hasBlobWhereNodeLooks(exe);
    expect(exe.includes(`${FUSE}:1`)).toBe(true);
    for (const bundle of BUNDLES) expect(exe.includes(bundle)).toBe(true);
    for (const bundle of BUNDLES) expect(exe.includes(codeCacheAsset(bundle))).toBe(false);
  });
});
