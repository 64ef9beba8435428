import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Processes a sandbox started, recorded in <dir>/pids.json. They are stopped only by PID, and only
 * while /proc/<pid>/cmdline still names the program and the sandbox folder (a reused PID is left alone).
 */
export interface Tracked {
  name: string;
  pid: number;
  /** A string the process's command line must contain to still count as ours. */
  marker: string;
  bin: string;
  args: string[];
}

const PIDS = 'pids.json';
const OWNER = 'owner.pid';

export function readTracked(dir: string): Tracked[] {
  const f = join(dir, PIDS);
  return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as Tracked[]) : [];
}

function writeTracked(dir: string, list: Tracked[]): void {
  writeFileSync(join(dir, PIDS), JSON.stringify(list, null, 2));
}

export function startProcess(dir: string, name: string, bin: string, args: string[]): ChildProcess {
  const log = openSync(join(dir, 'logs', `${name}.log`), 'a');
  // Own process group: a Ctrl-C in the terminal reaches us, and we stop the servers in order.
  const child = spawn(bin, args, { stdio: ['ignore', log, log], detached: true });
  if (child.pid === undefined) throw new Error(`could not start ${name} (${bin})`);
  child.unref();
  const others = readTracked(dir).filter((t) => t.name !== name);
  writeTracked(dir, [...others, { name, pid: child.pid, marker: dir, bin, args }]);
  return child;
}

/** Marks `dir` as belonging to this process, so a later run can tell whether it was orphaned. */
export function claimSandbox(dir: string): void {
  writeFileSync(join(dir, OWNER), String(process.pid));
}

export function isOurs(t: Tracked): boolean {
  try {
    const cmd = readFileSync(`/proc/${t.pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
    return cmd.includes(t.marker);
  } catch {
    return false;
  }
}

function alive(pid: number): boolean {
  return existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
}

/** SIGTERM, then SIGKILL after `graceMs`; returns once the process is gone (or was not ours). */
async function terminate(t: Tracked, graceMs: number): Promise<void> {
  if (!isOurs(t)) return;
  process.kill(t.pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (alive(t.pid) && Date.now() < deadline) await sleep(50);
  if (alive(t.pid)) process.kill(t.pid, 'SIGKILL');
}

/** Stops every tracked process in reverse start order. */
export async function stopTracked(dir: string, graceMs = 10_000): Promise<void> {
  for (const t of readTracked(dir).reverse()) await terminate(t, graceMs);
  writeTracked(dir, []);
}

/** Stops one tracked process (SIGTERM, then SIGKILL) and starts it again with the same arguments. */
export async function restartProcess(dir: string, name: string): Promise<ChildProcess> {
  const t = readTracked(dir).find((x) => x.name === name);
  if (!t) throw new Error(`no tracked process ${name} in ${dir}`);
  await terminate(t, 10_000);
  return startProcess(dir, name, t.bin, t.args);
}

/** The synchronous last resort for process 'exit': SIGKILL whatever is still ours. */
export function killTrackedSync(dir: string): void {
  for (const t of readTracked(dir)) {
    if (isOurs(t)) {
      try {
        process.kill(t.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

/**
 * Sandboxes whose owner process died (a killed test run) are stopped and deleted, so that a
 * crash never leaves an apiserver behind for the next run.
 */
export async function reapOrphans(
  root: string,
  prefix: string,
  /** What stopping a sandbox takes (the cluster passes its teardown: nodes, mounts, namespaces). */
  teardown: (dir: string) => Promise<void> = (dir) => stopTracked(dir, 3_000),
): Promise<string[]> {
  const reaped: string[] = [];
  for (const entry of existsSync(root) ? readdirSync(root) : []) {
    if (!entry.startsWith(prefix)) continue;
    const dir = join(root, entry);
    const ownerFile = join(dir, OWNER);
    if (!existsSync(ownerFile)) continue;
    const owner = Number(readFileSync(ownerFile, 'utf8'));
    if (owner === process.pid || alive(owner)) continue;
    await teardown(dir);
    rmSync(dir, { recursive: true, force: true });
    reaped.push(dir);
  }
  return reaped;
}

/** Polls `check` until it returns true; fails early if `child` exits, or after `timeoutMs`. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  opts: { timeoutMs: number; child?: ChildProcess; logFile?: string },
): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    const exited = opts.child && opts.child.exitCode !== null;
    if (exited || Date.now() > deadline) {
      const tail =
        opts.logFile && existsSync(opts.logFile)
          ? readFileSync(opts.logFile, 'utf8').split('\n').slice(-15).join('\n')
          : '';
      throw new Error(
        `${what}: ${exited ? `process exited (${opts.child?.exitCode})` : `not ready after ${opts.timeoutMs} ms`}\n${tail}`,
      );
    }
    await sleep(100);
  }
}
