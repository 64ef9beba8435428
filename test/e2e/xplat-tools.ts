import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Debian's qemu-user runs an arm64 Linux executable on this amd64 machine, without binfmt_misc. */
export const QEMU_AARCH64 = '/usr/bin/qemu-aarch64';
/** Where Debian's *-arm64-cross packages put arm64's ld.so, libc, libstdc++ and libgcc_s. */
export const ARM64_SYSROOT = '/usr/aarch64-linux-gnu';
/** Debian's zsh, whose zpty module drives an interactive zsh on a pseudo-terminal. */
export const ZSH = '/usr/bin/zsh';
/** Debian's fish, which runs the fish completion script. */
export const FISH = '/usr/bin/fish';

/** Debian's OCI tools: umoci builds the release image, skopeo reads it, runc runs it. */
export const SKOPEO = '/usr/bin/skopeo';
export const RUNC = '/usr/sbin/runc';
export const UMOCI = '/usr/bin/umoci';

/** Kept in step with scripts/xplat-setup.sh, which installs them. */
const TOOLS = [
  QEMU_AARCH64,
  `${ARM64_SYSROOT}/lib/ld-linux-aarch64.so.1`,
  `${ARM64_SYSROOT}/lib/libstdc++.so.6`,
  ZSH,
  FISH,
  UMOCI,
  SKOPEO,
  RUNC,
];

export class XplatToolsError extends Error {
  override name = 'XplatToolsError';
}

/** The tools a cross-platform test needs, or one line saying how to install them. */
export function requireXplatTools(): void {
  const missing = TOOLS.filter((t) => !existsSync(t));
  if (missing.length > 0)
    throw new XplatToolsError(
      `cross-platform test tools missing (${missing.join(', ')}): run "bash scripts/xplat-setup.sh" (apt-get, needs root)`,
    );
}

/**
 * Installs the emulator, its runtime and zsh with scripts/xplat-setup.sh when any is missing (progress
 * on stderr). The test command calls it, so a fresh clone needs no extra step.
 */
export function ensureXplatTools(): void {
  if (TOOLS.every((t) => existsSync(t))) return;
  process.stderr.write('cross-platform test tools missing: installing them once with apt-get\n');
  const script = new URL('../../scripts/xplat-setup.sh', import.meta.url).pathname;
  const r = spawnSync('bash', [script], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0)
    throw new XplatToolsError(
      `installing the cross-platform test tools failed (exit ${r.status}); see the lines above`,
    );
}
