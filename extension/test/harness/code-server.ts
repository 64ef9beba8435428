// A real VS Code for tests on an offline machine: code-server (VS Code's server and web workbench)
// isolated in a temporary folder on 127.0.0.1, and Debian's chromium driven by playwright-core.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';
import { CHROMIUM, codeServerEntry, VscodeToolsError } from './tools.ts';

export interface CodeServer {
  url: string;
  /** The folders code-server uses (user data, extensions, ...), all under one temp folder. */
  dirs: Record<'userData' | 'extensions', string>;
  output(): string;
  stop(): Promise<void>;
}

export interface CodeServerOptions {
  /** Settings for the user profile, on top of the quiet defaults. */
  settings?: Record<string, unknown>;
  /** Extra environment: the extension host inherits it. */
  env?: Record<string, string>;
  /** Run before code-server starts, e.g. to install an extension into dirs.extensions. */
  prepare?: (dirs: CodeServer['dirs']) => void;
  /** The payload-driven extension tests need the workbench's smoke-test driver. */
  smokeTestDriver?: boolean;
}

/** Settings that keep the workbench quiet and predictable (no tips, chat, updates, sticky lines). */
const QUIET = {
  'workbench.startupEditor': 'none',
  // Tests edit files and put them back; nothing may write an edited file to disk meanwhile.
  'files.autoSave': 'off',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'security.workspace.trust.enabled': false,
  'chat.disableAIFeatures': true,
  'chat.commandCenter.enabled': false,
  'git.enabled': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'editor.stickyScroll.enabled': false,
  'editor.minimap.enabled': false,
  'editor.hover.delay': 100,
};

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      s.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/**
 * Starts code-server under this Node (24, as code-server requires) in its own process group, with
 * every folder it writes (XDG dirs, user data, extensions) in a temp folder, and no marketplace.
 * stop() ends the whole group by its PID and removes the temp folder.
 */
export async function startCodeServer(options: CodeServerOptions = {}): Promise<CodeServer> {
  const entry = codeServerEntry();
  if (!existsSync(entry))
    throw new VscodeToolsError(`code-server is not installed (${entry}): run scripts/vscode-setup.sh`);
  if (!process.version.startsWith('v24.'))
    throw new VscodeToolsError(
      `code-server needs Node 24; this is ${process.version} (run through scripts/run)`,
    );
  const root = mkdtempSync(join(tmpdir(), 'kc-code-server-'));
  const dir = (name: string) => {
    const d = join(root, name);
    mkdirSync(d, { recursive: true });
    return d;
  };
  const dirs = { userData: dir('user-data'), extensions: dir('extensions') };
  mkdirSync(join(dirs.userData, 'User'), { recursive: true });
  writeFileSync(
    join(dirs.userData, 'User', 'settings.json'),
    JSON.stringify({ ...QUIET, ...options.settings }, null, 2),
  );
  options.prepare?.(dirs);

  const port = await freePort();
  const args = [
    entry,
    ...[
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--auth',
      'none',
      '--disable-telemetry',
      '--disable-update-check',
    ],
    ...['--disable-workspace-trust', '--disable-getting-started-override', '--reconnection-grace-time', '5'],
    ...['--user-data-dir', dirs.userData, '--extensions-dir', dirs.extensions],
    ...(options.smokeTestDriver ? ['--vscode-option', 'enable-smoke-test-driver'] : []),
  ];
  const child = spawn(process.execPath, args, {
    detached: true, // its own process group: stop() ends code-server, the extension host and watchers together
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      EXTENSIONS_GALLERY: '{}', // no marketplace
      XDG_CONFIG_HOME: dir('config'), // code-server writes config.yaml there on every start
      XDG_DATA_HOME: dir('data'),
      XDG_CACHE_HOME: dir('cache'),
      ...options.env,
    },
  });
  const out: string[] = [];
  child.stdout?.on('data', (b: Buffer) => out.push(b.toString()));
  child.stderr?.on('data', (b: Buffer) => out.push(b.toString()));
  const killOnExit = () => killGroup(child, 'SIGKILL');
  process.once('exit', killOnExit);

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.off('exit', killOnExit);
    killGroup(child, 'SIGTERM');
    const end = Date.now() + 5_000;
    while (Date.now() < end && groupAlive(child)) await sleep(100);
    killGroup(child, 'SIGKILL');
    rmSync(root, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${port}/`;
  try {
    await waitHealthy(`${url}healthz`, child);
  } catch (e) {
    await stop();
    throw new Error(`${(e as Error).message}\n${out.join('').slice(-3000)}`);
  }
  return { url, dirs, output: () => out.join(''), stop };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid) process.kill(-child.pid, signal);
  } catch {
    // the group is already gone
  }
}

function groupAlive(child: ChildProcess): boolean {
  try {
    if (child.pid) process.kill(-child.pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitHealthy(url: string, child: ChildProcess): Promise<void> {
  const end = Date.now() + 60_000;
  while (Date.now() < end) {
    if (child.exitCode !== null) throw new Error(`code-server exited early (exit ${child.exitCode})`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`code-server did not answer ${url} within 60 s`);
}

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Headless Debian chromium with a fresh profile; the flags keep it off the (closed) network. */
export async function launchBrowser(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'kc-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
  return {
    context,
    close: async () => {
      await context.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
