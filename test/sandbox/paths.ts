import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

function sandboxCacheDir(): string {
  const base =
    process.env.KUBECTL_CERTS_CACHE ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'kubectl-certs');
  return join(base, 'sandbox');
}

/** Where scripts/sandbox-build.sh caches the control-plane binaries (outside the work tree). */
export function sandboxBinDir(): string {
  return join(sandboxCacheDir(), 'bin');
}

/** Where scripts/sandbox-build.sh leaves the pod images (docker-archives) and images.json. */
function imagesDir(): string {
  return join(sandboxCacheDir(), 'images');
}

export const BINARIES = [
  'etcd',
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'kubelet',
] as const;
export type Binary = (typeof BINARIES)[number];

/** An image built by sandbox-build.sh: its docker-archive and the reference it is tagged with. */
export interface PodImage {
  tar: string;
  ref: string;
}
export interface PodImages {
  /** The pod sandbox (containerd's sandbox_image), built from build/pause/linux/pause.c. */
  pause: PodImage;
  /** Exits with the status given as its argument (test/sandbox/image/exit-code.c). */
  exitCode: PodImage;
}

/** The pod images, as images.json (written by the build script, the one place that names them) says. */
export function podImages(): PodImages {
  const file = join(imagesDir(), 'images.json');
  if (!existsSync(file))
    throw new SandboxError(`pod images missing in ${imagesDir()}: run "scripts/run sandbox:build"`);
  const list = JSON.parse(readFileSync(file, 'utf8')) as PodImages;
  const abs = (i: PodImage): PodImage => ({ tar: join(imagesDir(), i.tar), ref: i.ref });
  return { pause: abs(list.pause), exitCode: abs(list.exitCode) };
}

export class SandboxError extends Error {
  override name = 'SandboxError';
}

/** Paths of the binaries, or one clear line saying how to build them. */
export function requireBinaries(): Record<Binary, string> {
  const dir = sandboxBinDir();
  const missing = BINARIES.filter((b) => !existsSync(join(dir, b)));
  if (missing.length > 0) {
    throw new SandboxError(
      `sandbox binaries missing in ${dir} (${missing.join(', ')}): run "scripts/run sandbox:build" (about 8 minutes once, needs root for apt)`,
    );
  }
  return Object.fromEntries(BINARIES.map((b) => [b, join(dir, b)])) as Record<Binary, string>;
}

/**
 * Builds what scripts/sandbox-build.sh finds missing or out of date (it answers at once when
 * nothing is; it alone knows when the pod images must be rebuilt). Progress goes to stderr.
 * Used by the test command and the demo so that a fresh clone needs no extra step.
 */
export function ensureSandboxBinaries(): void {
  const dir = sandboxBinDir();
  const built = BINARIES.every((b) => existsSync(join(dir, b)));
  if (!built) process.stderr.write(`sandbox not built yet: building it once into ${dir} (about 8 minutes)\n`);
  const script = new URL('../../scripts/sandbox-build.sh', import.meta.url).pathname;
  const r = spawnSync('bash', [script], { stdio: ['ignore', built ? 'ignore' : 2, 'inherit'] });
  if (r.status !== 0)
    throw new SandboxError(`building the sandbox failed (exit ${r.status}); see the lines above`);
}
