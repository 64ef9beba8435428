import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { SandboxError } from './paths.ts';

/** The programs a real node runs or is set up with (Debian's, installed by sandbox-build.sh). */
const PROGRAMS = ['ip', 'nsenter', 'containerd', 'containerd-shim-runc-v2', 'runc', 'ctr', 'umount'];

function onPath(program: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${program}`], { stdio: 'ignore' }).status === 0;
}

/** The kubelet needs the cpu controller (cgroup v1 mounts it at cpu/, v2 lists it in cgroup.controllers). */
function hasCpuCgroup(): boolean {
  if (existsSync('/sys/fs/cgroup/cpu')) return true;
  const v2 = '/sys/fs/cgroup/cgroup.controllers';
  return existsSync(v2) && readFileSync(v2, 'utf8').split(/\s+/).includes('cpu');
}

/**
 * What a machine must have for real nodes, checked before anything is started, so that a
 * machine without it fails with one line naming what is missing (not a hang, not a kubelet log).
 * Whether network namespaces really work is known only by making one: createNodeNetwork says so.
 */
export function checkNodeSupport(): void {
  if (process.getuid?.() !== 0)
    throw new SandboxError('real nodes need root (network namespaces, containerd, the kubelet): run as root');
  const missing = PROGRAMS.filter((p) => !onPath(p));
  if (missing.length)
    throw new SandboxError(`real nodes need ${missing.join(', ')} on PATH: run "scripts/run sandbox:build"`);
  if (!existsSync('/proc/self/ns/net'))
    throw new SandboxError(
      'real nodes need network namespaces, and this kernel has none (/proc/self/ns/net)',
    );
  if (!hasCpuCgroup())
    throw new SandboxError(
      'real nodes need cgroups: no cpu controller under /sys/fs/cgroup (the kubelet cannot start without it)',
    );
}
