import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { imageOf, platformImageOf } from '../plugin/src/approver/image.ts';
import { fillRootfs, IMAGE_EXE, IMAGE_UID } from './image-rootfs.ts';
import { ReleaseError } from './release-error.ts';
import type { Target } from './targets.ts';

const INDEX_MEDIA_TYPE = 'application/vnd.oci.image.index.v1+json';

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: { architecture: string; os: string };
}

/** One executable of the release and the target it was built for. */
export interface ImagePart {
  target: Target;
  exe: string;
}

/**
 * Writes an OCI image layout into `layout` (a new folder) with Debian's umoci: one image per linux
 * target (`v<version>-<arch>`) on a minimal root filesystem, and an image index (`v<version>`) over
 * them, so `ctr images import`, skopeo or a registry push picks the platform. Runs as root (umoci
 * unpacks with the files' real owners).
 */
export function writeOciImage(layout: string, version: string, parts: ImagePart[], homepage: string): void {
  const work = mkdtempSync(join(tmpdir(), 'kc-image-'));
  try {
    umoci('init', '--layout', layout);
    for (const { target, exe } of parts) {
      const ref = `${layout}:v${version}-${target.arch}`;
      const bundle = join(work, target.arch);
      umoci('new', '--image', ref);
      umoci('unpack', '--image', ref, bundle);
      fillRootfs(target, exe, join(bundle, 'rootfs'));
      umoci('repack', '--image', ref, bundle);
      umoci(
        'config',
        '--image',
        ref,
        '--os=linux',
        `--architecture=${target.arch}`,
        `--config.entrypoint=${IMAGE_EXE}`,
        `--config.user=${IMAGE_UID}:${IMAGE_UID}`,
        '--config.workingdir=/',
        `--config.label=org.opencontainers.image.source=${homepage}`,
        `--config.label=org.opencontainers.image.version=${version}`,
        '--config.label=org.opencontainers.image.licenses=Apache-2.0',
        '--history.created_by=scripts/release',
      );
    }
    umoci('gc', '--layout', layout);
    addIndex(layout, version);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function umoci(...args: string[]): void {
  const r = spawnSync('umoci', args, { encoding: 'utf8' });
  if (r.error)
    throw new ReleaseError(`umoci is needed to build the image (apt-get install umoci): ${r.error.message}`);
  if (r.status !== 0) throw new ReleaseError(`umoci ${args[0]} failed: ${r.stderr.trim().split('\n').pop()}`);
}

/**
 * Adds the multi-platform tag: umoci tags single-platform manifests only, so the index blob is
 * written here, its platforms read from each manifest's config.
 */
function addIndex(layout: string, version: string): void {
  const top = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8')) as { manifests: Descriptor[] };
  const manifests = top.manifests.map((m) => {
    const manifest = JSON.parse(blob(layout, m.digest)) as { config: { digest: string } };
    const config = JSON.parse(blob(layout, manifest.config.digest)) as { architecture: string; os: string };
    const { annotations: _tag, ...rest } = m;
    return { ...rest, platform: { architecture: config.architecture, os: config.os } };
  });
  // Each platform's tag gets its full name too: `ctr images import` otherwise names it
  // "import-<date>:v<version>-<arch>", which containerd's CRI normalises to docker.io/library/...,
  // then fails to find, so a pod of the imported image never starts (CreateContainerError).
  top.manifests = top.manifests.map((m, i) => ({
    ...m,
    annotations: {
      ...m.annotations,
      'io.containerd.image.name': platformImageOf(version, manifests[i]?.platform.architecture ?? ''),
    },
  }));
  const index = JSON.stringify({ schemaVersion: 2, mediaType: INDEX_MEDIA_TYPE, manifests });
  const digest = `sha256:${createHash('sha256').update(index).digest('hex')}`;
  mkdirSync(join(layout, 'blobs', 'sha256'), { recursive: true });
  writeFileSync(join(layout, 'blobs', 'sha256', digest.slice(7)), index);
  top.manifests.push({
    mediaType: INDEX_MEDIA_TYPE,
    digest,
    size: Buffer.byteLength(index),
    annotations: {
      'org.opencontainers.image.ref.name': `v${version}`,
      'io.containerd.image.name': imageOf(version),
    },
  });
  writeFileSync(join(layout, 'index.json'), JSON.stringify(top));
}

/**
 * What pulling each platform's image downloads: its manifest, config and compressed layers, by
 * architecture.
 */
export function pullSizes(layout: string): Record<string, number> {
  const top = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8')) as { manifests: Descriptor[] };
  const sizes: Record<string, number> = {};
  for (const m of top.manifests.filter((d) => d.mediaType !== INDEX_MEDIA_TYPE)) {
    const manifest = JSON.parse(blob(layout, m.digest)) as { config: Descriptor; layers: Descriptor[] };
    const config = JSON.parse(blob(layout, manifest.config.digest)) as { architecture: string };
    sizes[config.architecture] =
      m.size + manifest.config.size + manifest.layers.reduce((n, l) => n + l.size, 0);
  }
  return sizes;
}

function blob(layout: string, digest: string): string {
  return readFileSync(join(layout, 'blobs', 'sha256', digest.replace(/^sha256:/, '')), 'utf8');
}
