import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { cacheDir } from './cache.ts';
import { unpackDebs } from './debian-packages.ts';
import { ReleaseError } from './release-error.ts';
import type { Target } from './targets.ts';

/** Where the executable sits in the image; the entrypoint and deploy/ name it. */
export const IMAGE_EXE = '/usr/local/bin/kubectl-certs';

/** The image's only user: not root, with no shell and no home to write to (as distroless's nonroot). */
export const IMAGE_UID = 65532;

/**
 * The Debian packages that hold the C runtime the Node inside the executable links against, per
 * CPU, and the folder inside each package where the libraries are. For arm64 these are Debian's
 * cross packages (the same glibc and GCC sources built for aarch64), which an amd64 machine installs
 * without enabling a second dpkg architecture.
 */
const RUNTIME: Record<Target['arch'], { packages: string[]; libDirs: string[]; triplet: string }> = {
  amd64: {
    packages: ['libc6', 'libstdc++6', 'libgcc-s1'],
    libDirs: ['lib/x86_64-linux-gnu', 'usr/lib/x86_64-linux-gnu'],
    triplet: 'x86_64-linux-gnu',
  },
  arm64: {
    packages: ['libc6-arm64-cross', 'libstdc++6-arm64-cross', 'libgcc-s1-arm64-cross'],
    libDirs: ['usr/aarch64-linux-gnu/lib'],
    triplet: 'aarch64-linux-gnu',
  },
};

/**
 * Fills `rootfs` with what the linux executable needs and nothing more: the executable, the shared
 * libraries its ELF header asks for (followed transitively, read with readelf), its program
 * interpreter at the path the header names, the packages' copyright files (glibc and libstdc++ are
 * LGPL/GPL with exceptions: their notices travel with them), and /etc/passwd and /etc/group naming
 * the unprivileged user. No shell, no package manager, no CA store (in a pod the API server's CA
 * comes from the service-account token's ca.crt).
 */
export function fillRootfs(target: Target, exe: string, rootfs: string): void {
  if (target.os !== 'linux') throw new ReleaseError(`container images are linux only, not ${target.id}`);
  const rt = RUNTIME[target.arch];
  const sysroot = runtimeSysroot(target.arch);
  const find = libraryFinder(rt.libDirs.map((d) => join(sysroot, d)));

  put(exe, join(rootfs, IMAGE_EXE), 0o755);
  const interp = interpreter(exe);
  put(find(basename(interp), exe), join(rootfs, interp), 0o755);
  for (const [lib, file] of neededClosure(exe, find)) put(file, join(rootfs, 'lib', rt.triplet, lib), 0o644);
  for (const pkg of rt.packages) {
    put(
      join(sysroot, 'usr/share/doc', pkg, 'copyright'),
      join(rootfs, 'usr/share/doc', pkg, 'copyright'),
      0o644,
    );
  }
  mkdirSync(join(rootfs, 'etc'), { recursive: true });
  writeFileSync(
    join(rootfs, 'etc/passwd'),
    `root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:${IMAGE_UID}:${IMAGE_UID}:nonroot:/nonexistent:/sbin/nologin\n`,
  );
  writeFileSync(join(rootfs, 'etc/group'), `root:x:0:\nnonroot:x:${IMAGE_UID}:\n`);
  mkdirSync(join(rootfs, 'tmp'), { recursive: true });
  chmodSync(join(rootfs, 'tmp'), 0o1777);
}

/** Copies a file, dereferencing symlinks (the image holds each library once, under its soname). */
function put(from: string, to: string, mode: number): void {
  if (!existsSync(from)) throw new ReleaseError(`${from} is missing (is the Debian package complete?)`);
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(realpathSync(from), to);
  chmodSync(to, mode);
}

function readelf(args: string[], file: string): string {
  const r = spawnSync('readelf', [...args, file], { encoding: 'utf8' });
  if (r.error || r.status !== 0)
    throw new ReleaseError(
      `readelf ${args.join(' ')} ${file} failed: ${r.error?.message ?? r.stderr.trim()} (binutils is needed)`,
    );
  return r.stdout;
}

/** The program interpreter (the dynamic loader) an ELF executable names, e.g. /lib64/ld-linux-x86-64.so.2. */
export function interpreter(exe: string): string {
  const m = /Requesting program interpreter: ([^\]]+)\]/.exec(readelf(['-l', '-W'], exe));
  if (!m?.[1])
    throw new ReleaseError(`${exe} names no program interpreter (is it a dynamic linux executable?)`);
  return m[1];
}

function needed(file: string): string[] {
  return [...readelf(['-d', '-W'], file).matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map(
    (m) => m[1] as string,
  );
}

type LibraryFinder = (soname: string, neededBy: string) => string;

/** Looks a soname up in the packages' library folders, in order, as the loader's search path would. */
function libraryFinder(dirs: string[]): LibraryFinder {
  return (soname, neededBy) => {
    const file = dirs.map((d) => join(d, soname)).find((f) => existsSync(f));
    if (!file)
      throw new ReleaseError(`${soname}, needed by ${basename(neededBy)}, is in none of ${dirs.join(', ')}`);
    return file;
  };
}

/** Every shared library the executable needs, directly or through another library: soname to file. */
function neededClosure(exe: string, find: LibraryFinder): Map<string, string> {
  const found = new Map<string, string>();
  const queue = needed(exe).map((lib) => [lib, exe] as const);
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    const [lib, by] = next;
    if (found.has(lib)) continue;
    const file = find(lib, by);
    found.set(lib, file);
    queue.push(...needed(file).map((l) => [l, file] as const));
  }
  return new Map([...found].sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * The runtime packages of one CPU, downloaded with apt-get (not installed) and unpacked once into
 * the cache, so the image's libraries are the Debian release's, whatever the build machine has.
 */
function runtimeSysroot(arch: Target['arch']): string {
  const dir = cacheDir('image-runtime', arch);
  if (existsSync(join(dir, '.complete'))) return dir;
  const tmp = `${dir}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  const pkgs = RUNTIME[arch].packages;
  unpackDebs(pkgs, tmp);
  // Debian points a binary package's doc folder at its source's base package (libstdc++6 ->
  // gcc-12-base), which holds the copyright: fetch those too, by the name the link gives.
  const bases = pkgs
    .map((p) => join(tmp, 'usr/share/doc', p))
    .filter((d) => lstatSync(d, { throwIfNoEntry: false })?.isSymbolicLink() && !existsSync(d))
    .map((d) => readlinkSync(d));
  if (bases.length) unpackDebs([...new Set(bases)], tmp);
  writeFileSync(join(tmp, '.complete'), pkgs.join('\n'));
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  return dir;
}
