import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { writeImageArchive } from '../release/image-archive.ts';
import { nodeBase } from '../release/node-base.ts';
import { buildSea } from '../release/sea.ts';
import { archiveTarget } from '../release/target-archive.ts';
import { TARGETS } from '../release/targets.ts';
import type { Benchmark, Row } from './harness.ts';

const MB = (bytes: number) => bytes / 1e6;

/**
 * What a download costs: each target's executable against the Node it is built from, and each
 * archive against kubectl itself gzipped (the same download a kubectl user already made), and what
 * pulling the container image downloads against the same target's archive.
 */
export const releaseSize: Benchmark = {
  name: 'release-size',
  title: 'Release sizes (executables and archives, every target)',
  async run(log) {
    const { version, homepage } = JSON.parse(
      readFileSync(new URL('../plugin/package.json', import.meta.url), 'utf8'),
    ) as { version: string; homepage: string };
    const kubectl = execFileSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).trim();
    const kubectlGz = MB(gzipSync(readFileSync(kubectl)).length);
    const out = mkdtempSync(join(tmpdir(), 'kc-bench-size-'));
    const rows: Row[] = [];
    try {
      const archiveSize: Record<string, number> = {};
      for (const t of TARGETS) {
        log(`${t.id}: executable and archive`);
        const exe = await buildSea(t);
        const base = await nodeBase(t.nodePackage, t.nodeVersion);
        rows.push({
          what: `${t.id} executable`,
          figure: MB(statSync(exe).size),
          peer: `Node ${t.nodeVersion} (${t.nodePackage})`,
          peerFigure: MB(statSync(base).size),
          unit: 'MB',
        });
        const a = await archiveTarget(t, version, out);
        archiveSize[t.id] = MB(statSync(join(out, a.fileName)).size);
        rows.push({
          what: `\`${a.fileName}\``,
          figure: MB(statSync(join(out, a.fileName)).size),
          peer: 'kubectl (linux-amd64) gzipped',
          peerFigure: kubectlGz,
          unit: 'MB',
        });
      }
      log('container image');
      const image = await writeImageArchive(TARGETS, version, homepage, out);
      // Each platform's image row goes right after that platform's executable and archive rows.
      for (const [arch, bytes] of Object.entries(image?.pullSize ?? {})) {
        const archive = rows.findIndex((r) => r.what.includes(`-linux-${arch}.`));
        rows.splice(archive + 1, 0, {
          what: `container image linux/${arch}, compressed (what a pull downloads)`,
          figure: MB(bytes),
          peer: `the linux-${arch} archive`,
          peerFigure: archiveSize[`linux-${arch}`] ?? Number.NaN,
          unit: 'MB',
        });
      }
      return rows;
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  },
};
