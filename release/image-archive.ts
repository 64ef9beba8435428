import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { create } from 'tar';
import { pullSizes, writeOciImage } from './oci-image.ts';
import { buildSea } from './sea.ts';
import type { Target } from './targets.ts';

export function imageArchiveName(version: string): string {
  return `kubectl-certs-v${version}-image.oci.tar`;
}

/** The image archive, and what pulling each architecture's image downloads (bytes). */
export interface ImageArchive {
  file: string;
  pullSize: Record<string, number>;
}

/**
 * The container image of the release's linux targets as an OCI archive in `outDir` (a tar of the
 * image layout: `skopeo copy oci-archive:FILE docker://REGISTRY/...` pushes it, `ctr images import`
 * loads it), or undefined when the release has no linux target.
 */
export async function writeImageArchive(
  targets: readonly Target[],
  version: string,
  homepage: string,
  outDir: string,
): Promise<ImageArchive | undefined> {
  const linux = targets.filter((t) => t.os === 'linux');
  if (linux.length === 0) return undefined;
  const parts = [];
  for (const target of linux) parts.push({ target, exe: await buildSea(target) });
  const layout = join(outDir, '.image-layout');
  rmSync(layout, { recursive: true, force: true });
  writeOciImage(layout, version, parts, homepage);
  const file = join(outDir, imageArchiveName(version));
  await create({ file, cwd: layout, portable: true }, ['oci-layout', 'index.json', 'blobs']);
  const pullSize = pullSizes(layout);
  rmSync(layout, { recursive: true, force: true });
  return { file, pullSize };
}
