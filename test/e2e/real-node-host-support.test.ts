import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkNodeSupport, thisHost } from '../sandbox/host-support.ts';

// Machines that lack what a real node needs, made from real folders: each fails with one line.
const root = mkdtempSync(join(tmpdir(), 'kc-host-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const dir = (name: string, files: Record<string, string> = {}) => {
  const d = join(root, name);
  mkdirSync(d, { recursive: true });
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(join(d, f, '..'), { recursive: true });
    writeFileSync(join(d, f), text);
  }
  return d;
};

describe('a machine without what real nodes need fails the sandbox start with one clear line', () => {
  it.each([
    {
      lacks: 'root',
      host: { uid: 1000 },
      line: 'real nodes need root (network namespaces, containerd, the kubelet): run as root',
    },
    {
      lacks: 'containerd and the other programs',
      host: { path: dir('empty-bin') },
      line: 'real nodes need ip, nsenter, containerd, containerd-shim-runc-v2, runc, ctr, umount on PATH: run "scripts/run sandbox:build"',
    },
    {
      lacks: 'network namespaces',
      host: { netns: join(root, 'no-such-ns') },
      line: `real nodes need network namespaces, and this kernel has none (no ${join(root, 'no-such-ns')})`,
    },
    {
      lacks: 'the cpu cgroup (v1: no cpu/)',
      host: { cgroupRoot: dir('cgroup-v1', { 'memory/tasks': '' }) },
      line: `real nodes need cgroups: no cpu controller under ${join(root, 'cgroup-v1')} (the kubelet cannot start without it)`,
    },
    {
      lacks: 'the cpu cgroup (v2 without the cpu controller)',
      host: { cgroupRoot: dir('cgroup-v2', { 'cgroup.controllers': 'memory pids io\n' }) },
      line: `real nodes need cgroups: no cpu controller under ${join(root, 'cgroup-v2')} (the kubelet cannot start without it)`,
    },
  ])('$lacks', ({ host, line }) => {
    expect(() => checkNodeSupport({ ...thisHost(), ...host })).toThrow(line);
    try {
      checkNodeSupport({ ...thisHost(), ...host });
    } catch (e) {
      expect((e as Error).message).toBe(line);
      expect((e as Error).message).not.toContain('\n');
    }
  });

  it.each([
    {
      has: 'cgroup v2 with cpu',
      cgroupRoot: dir('v2-cpu', { 'cgroup.controllers': 'cpuset cpu io memory\n' }),
    },
    { has: 'this machine', cgroupRoot: thisHost().cgroupRoot },
  ])('passes on $has', ({ cgroupRoot }) => {
    expect(() => checkNodeSupport({ ...thisHost(), cgroupRoot })).not.toThrow();
  });
});
