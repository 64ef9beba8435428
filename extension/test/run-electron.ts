// The same integration suite in desktop VS Code, for a machine with internet access (it downloads
// VS Code into .vscode-test/):  pnpm --filter ./extension run test:electron
// (on a Linux machine without a display: xvfb-run -a pnpm --filter ./extension run test:electron).
// Offline, the test command runs the suite in code-server instead (test/vscode-extension.test.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTests } from '@vscode/test-electron';
import { makeTestWorkspace } from './workspace.ts';

const extension = new URL('..', import.meta.url).pathname;
const root = mkdtempSync(join(tmpdir(), 'kc-ext-workspace-'));
try {
  await runTests({
    extensionDevelopmentPath: extension,
    extensionTestsPath: join(extension, 'out/test/suite/index.cjs'),
    launchArgs: [makeTestWorkspace(root), '--disable-extensions', '--disable-workspace-trust'],
  });
} catch (e) {
  console.error(`error: the integration tests failed in VS Code (${(e as Error).message})`);
  process.exitCode = 1;
} finally {
  rmSync(root, { recursive: true, force: true });
}
