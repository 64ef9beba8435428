import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { reapOrphans, startProcess } from '../sandbox/processes.ts';

const root = mkdtempSync(join(tmpdir(), 'kc-reaper-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A PID that certainly belonged to a process that has exited. */
function deadPid(): number {
  const p = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  });
  return Number(p.stdout);
}

function sandbox(name: string, owner: number): string {
  const dir = join(root, `sbx-${name}`);
  mkdirSync(join(dir, 'logs'), { recursive: true });
  writeFileSync(join(dir, 'owner.pid'), String(owner));
  return dir;
}

describe('sandboxes left by a killed run', () => {
  it("are stopped by PID and deleted by the next run; a live owner's sandbox is left alone", async () => {
    const orphan = sandbox('orphan', deadPid());
    const server = startProcess(orphan, 'fake-server', process.execPath, [
      '-e',
      'setInterval(() => {}, 1000)',
      orphan,
    ]);
    const alive = sandbox('alive', process.pid);
    const bystander = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    await sleep(100);

    const reaped = await reapOrphans(root, 'sbx-');

    expect(reaped).toEqual([orphan]);
    expect(existsSync(orphan)).toBe(false);
    expect(existsSync(alive)).toBe(true);
    await sleep(100);
    expect(
      existsSync(`/proc/${server.pid}`) &&
        !spawnSync('ps', ['-o', 'stat=', '-p', String(server.pid)], { encoding: 'utf8' }).stdout.includes(
          'Z',
        ),
    ).toBe(false);
    expect(bystander.exitCode).toBeNull(); // only what the sandbox tracked was touched
    bystander.kill();
  });
});
