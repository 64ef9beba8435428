import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SandboxError } from './paths.ts';

/** The programs a real node runs or is set up with (Debian's, installed by sandbox-build.sh). */
const PROGRAMS = ['ip', 'nsenter', 'containerd', 'containerd-shim-runc-v2', 'runc', 'ctr', 'umount'];

/** Where the facts about this machine are read (a test points them elsewhere). */
export interface Host {
  uid: number;
  /** The PATH programs are looked up in. */
  path: string;
  /** Exists when the kernel has network namespaces. */
  netns: string;
  cgroupRoot: string;
}

export const thisHost = (): Host => ({
  uid: process.getuid?.() ?? -1,
  path: process.env.PATH ?? '',
  netns: '/proc/self/ns/net',
  cgroupRoot: '/sys/fs/cgroup',
});

function onPath(program: string, path: string): boolean {
  return (
    spawnSync('sh', ['-c', `command -v ${program}`], { stdio: 'ignore', env: { PATH: path } }).status === 0
  );
}

/** The kubelet needs the cpu controller (cgroup v1 mounts it at cpu/, v2 lists it in cgroup.controllers). */
function hasCpuCgroup(root: string): boolean {
  if (existsSync(join(root, 'cpu'))) return true;
  const v2 = join(root, 'cgroup.controllers');
  return existsSync(v2) && readFileSync(v2, 'utf8').split(/\s+/).includes('cpu');
}

/**
 * What a machine must have for real nodes, checked before anything is started, so that a
 * machine without it fails with one line naming what is missing (not a hang, not a kubelet log).
 * Whether network namespaces can really be made is known only by making one: createNodeNetwork
 * fails with ip's own one-line reason.
 */
export function checkNodeSupport(host: Host = thisHost()): void {
  if (host.uid !== 0)
    throw new SandboxError('real nodes need root (network namespaces, containerd, the kubelet): run as root');
  const missing = PROGRAMS.filter((p) => !onPath(p, host.path));
  if (missing.length)
    throw new SandboxError(`real nodes need ${missing.join(', ')} on PATH: run "scripts/run sandbox:build"`);
  if (!existsSync(host.netns))
    throw new SandboxError(`real nodes need network namespaces, and this kernel has none (no ${host.netns})`);
  if (!hasCpuCgroup(host.cgroupRoot))
    throw new SandboxError(
      `real nodes need cgroups: no cpu controller under ${host.cgroupRoot} (the kubelet cannot start without it)`,
    );
}
