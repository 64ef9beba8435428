// The README's test command (scripts/run test): every check and every test, as CI runs them.
//   1. typecheck + lint   2. build the CLI and the extension   3. build the sandbox control plane
//   and install code-server + chromium once (cached outside the work tree), and qemu-user with the
//   arm64 runtime, zsh and prometheus (apt-get, once)   4. vitest: core,
//   plugin, e2e on the real sandbox, the extension in a real VS Code (code-server) and its .vsix
// It ends with one line "tests: N passed, N failed, N skipped" and vitest's exit status.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { ensureVscodeTools } from '../extension/test/harness/tools.ts';
import { ensureMonitoringTools } from '../test/e2e/monitoring-tools.ts';
import { ensureXplatTools } from '../test/e2e/xplat-tools.ts';
import { ensureSandboxBinaries } from '../test/sandbox/paths.ts';

const results = '.vitest-results.json';

function step(title: string, cmd: string, args: string[]): void {
  const t0 = Date.now();
  process.stderr.write(`\n== ${title}\n`);
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status !== 0) {
    process.stderr.write(`error: ${title} failed (exit ${r.status ?? r.signal})\n`);
    process.exit(r.status ?? 1);
  }
  process.stderr.write(`== ${title}: ok (${((Date.now() - t0) / 1000).toFixed(1)} s)\n`);
}

step('typecheck', 'pnpm', ['run', '--silent', 'typecheck']);
step('lint', 'pnpm', ['run', '--silent', 'lint']);
step('build', 'pnpm', ['run', '--silent', 'build']);
ensureSandboxBinaries();
ensureVscodeTools();
ensureXplatTools();
ensureMonitoringTools();

rmSync(results, { force: true });
process.stderr.write('\n== vitest\n');
const run = spawnSync(
  'pnpm',
  [
    'exec',
    'vitest',
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile=${results}`,
    ...process.argv.slice(2),
  ],
  {
    stdio: 'inherit',
  },
);
if (existsSync(results)) {
  const r = JSON.parse(readFileSync(results, 'utf8')) as {
    numPassedTests: number;
    numFailedTests: number;
    numPendingTests: number;
    numTodoTests: number;
  };
  console.log(
    `tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`,
  );
} else {
  console.log('tests: 0 passed, 1 failed (vitest wrote no results)');
}
process.exit(run.status ?? 1);
