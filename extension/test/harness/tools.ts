import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Kept in step with scripts/vscode-setup.sh, which installs it. */
export const CODE_SERVER_VERSION = process.env.KUBECTL_CERTS_CODE_SERVER_VERSION ?? '4.139.1';
export const CHROMIUM = '/usr/bin/chromium';

/** code-server's entry point in the cache outside the work tree (scripts/vscode-setup.sh puts it there). */
export function codeServerEntry(): string {
  const cache =
    process.env.KUBECTL_CERTS_CACHE ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'kubectl-certs');
  return join(
    cache,
    'vscode',
    `code-server-${CODE_SERVER_VERSION}`,
    'node_modules/code-server/out/node/entry.js',
  );
}

export class VscodeToolsError extends Error {
  override name = 'VscodeToolsError';
}

/**
 * Installs code-server and Debian's chromium with scripts/vscode-setup.sh when either is missing
 * (about 3 minutes once; progress on stderr). The test command calls it, so a fresh clone needs
 * no extra step.
 */
export function ensureVscodeTools(): void {
  if (existsSync(codeServerEntry()) && existsSync(CHROMIUM)) return;
  process.stderr.write(
    'VS Code test tools missing: installing code-server and chromium once (about 3 minutes)\n',
  );
  const script = new URL('../../../scripts/vscode-setup.sh', import.meta.url).pathname;
  const r = spawnSync('bash', [script], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0)
    throw new VscodeToolsError(
      `installing the VS Code test tools failed (exit ${r.status}); see the lines above`,
    );
}
