import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** mountinfo escapes space, tab, newline and backslash as octal. */
function unescapeOctal(path: string): string {
  return path.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));
}

/** Mount points at or under `dir`, deepest first (the order they can be unmounted in). */
export function mountsUnder(dir: string): string[] {
  const prefix = `${dir.replace(/\/$/, '')}/`;
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((p): p is string => Boolean(p))
    .map(unescapeOctal)
    .filter((p) => p.startsWith(prefix) || `${p}/` === prefix)
    .sort((a, b) => b.split('/').length - a.split('/').length || b.length - a.length);
}

/**
 * Unmounts everything the kubelet and containerd mounted under `dir` (secret volumes, container
 * root filesystems, shm), deepest first, so that the folder can be deleted. A mount that is
 * still busy is detached (umount -l) rather than left behind.
 */
export function unmountUnder(dir: string): void {
  for (const mp of mountsUnder(dir)) {
    if (spawnSync('umount', [mp], { stdio: 'ignore' }).status !== 0)
      spawnSync('umount', ['-l', mp], { stdio: 'ignore' });
  }
}
