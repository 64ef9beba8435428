import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where scripts/sandbox-build.sh caches the control-plane binaries (outside the work tree). */
export function sandboxBinDir(): string {
  const base =
    process.env.KUBECTL_CERTS_CACHE ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'kubectl-certs');
  return join(base, 'sandbox', 'bin');
}

export const BINARIES = ['etcd', 'kube-apiserver', 'kube-controller-manager'] as const;
export type Binary = (typeof BINARIES)[number];

export class SandboxError extends Error {
  override name = 'SandboxError';
}

/** Paths of the three binaries, or one clear line saying how to build them. */
export function requireBinaries(): Record<Binary, string> {
  const dir = sandboxBinDir();
  const missing = BINARIES.filter((b) => !existsSync(join(dir, b)));
  if (missing.length > 0) {
    throw new SandboxError(
      `sandbox binaries missing in ${dir} (${missing.join(', ')}): run "scripts/run sandbox:build" (about 6 minutes once, needs root for apt)`,
    );
  }
  return Object.fromEntries(BINARIES.map((b) => [b, join(dir, b)])) as Record<Binary, string>;
}

/**
 * Builds the binaries with scripts/sandbox-build.sh when any is missing (progress on stderr).
 * Used by the test command and the demo so that a fresh clone needs no extra step.
 */
export function ensureSandboxBinaries(): void {
  const dir = sandboxBinDir();
  if (BINARIES.every((b) => existsSync(join(dir, b)))) return;
  process.stderr.write(
    `sandbox control plane not built yet: building it once into ${dir} (about 6 minutes)\n`,
  );
  const script = new URL('../../scripts/sandbox-build.sh', import.meta.url).pathname;
  const r = spawnSync('bash', [script], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0)
    throw new SandboxError(
      `building the sandbox control plane failed (exit ${r.status}); see the lines above`,
    );
}
