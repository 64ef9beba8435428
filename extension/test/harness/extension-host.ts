// Runs an extensionTestsPath module inside code-server's real extension host, headless, the way
// VS Code runs its own browser integration tests: the workbench URL's payload names the extension
// under development and the tests; the smoke-test driver reports the host's logs and exit code
// through two page functions.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { format } from 'node:util';
import { launchBrowser, startCodeServer } from './code-server.ts';

export interface HostTest {
  title: string;
  state: 'passed' | 'failed';
  error?: string;
}

export interface HostRun<R = { tests: HostTest[] }> {
  /** The extension host's exit code (0 when run() resolved), or undefined on timeout. */
  exitCode: number | undefined;
  /** What the tests module wrote to KUBECTL_CERTS_EXT_TEST_RESULTS (undefined when it wrote nothing). */
  results: R | undefined;
  /** Every log line of the workbench and the extension host (mocha's report among them). */
  log: string[];
}

export interface HostRunOptions {
  extensionPath: string;
  /** The module the host require()s and whose run() it awaits. */
  testsPath: string;
  /** A folder, or a .code-workspace file for a multi-root workspace. */
  workspace: string;
  env?: Record<string, string>;
  settings?: Record<string, unknown>;
  timeoutMs?: number;
}

/** Workbench chatter that says nothing about the tests. */
const NOISE =
  /^(Resolv(ing|ed) connection token|Creating a socket|\[reconnection-grace-time\]|Ignoring fetching additional builtin extensions|\[Service Worker\]|\[AgentHost:|\[AccountPolicyGate\]|Updating additional builtin extensions cache|Started local extension host)/;

/** `R` is the shape of what the tests module writes to KUBECTL_CERTS_EXT_TEST_RESULTS. */
export async function runInExtensionHost<R = { tests: HostTest[] }>(o: HostRunOptions): Promise<HostRun<R>> {
  const tmp = mkdtempSync(join(tmpdir(), 'kc-ext-results-'));
  const resultsFile = join(tmp, 'results.json');
  const log: string[] = [];
  const server = await startCodeServer({
    smokeTestDriver: true,
    env: { KUBECTL_CERTS_EXT_TEST_RESULTS: resultsFile, ...o.env },
    ...(o.settings ? { settings: o.settings } : {}),
  });
  const browser = await launchBrowser().catch(async (e) => {
    await server.stop();
    throw e;
  });
  try {
    const page = browser.context.pages()[0] ?? (await browser.context.newPage());
    let exited: (code: number) => void = () => {};
    const exit = new Promise<number>((r) => {
      exited = r;
    });
    // Both must exist before the workbench loads: it looks for them once.
    await page.exposeFunction('codeAutomationLog', (_type: string, args: unknown) => {
      const line = format(...(Array.isArray(args) ? args : [args]));
      if (!NOISE.test(line)) log.push(line);
    });
    await page.exposeFunction('codeAutomationExit', (code: number) => exited(code));
    const remote = (p: string) => `vscode-remote://${new URL(server.url).host}${p}`;
    const payload = JSON.stringify([
      ['extensionDevelopmentPath', remote(o.extensionPath)],
      ['extensionTestsPath', remote(o.testsPath)],
      ['skipWelcome', 'true'],
      ['skipReleaseNotes', 'true'],
    ]);
    const open = o.workspace.endsWith('.code-workspace') ? 'workspace' : 'folder';
    await page.goto(
      `${server.url}?${open}=${encodeURIComponent(o.workspace)}&payload=${encodeURIComponent(payload)}`,
    );
    const timeout = new Promise<undefined>((r) =>
      setTimeout(() => r(undefined), o.timeoutMs ?? 180_000).unref(),
    );
    const exitCode = await Promise.race([exit, timeout]);
    if (exitCode === undefined) log.push(`timed out; code-server said:\n${server.output().slice(-3000)}`);
    const results = existsSync(resultsFile)
      ? (JSON.parse(readFileSync(resultsFile, 'utf8')) as R)
      : undefined;
    return { exitCode, results, log };
  } finally {
    await browser.close();
    await server.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}
