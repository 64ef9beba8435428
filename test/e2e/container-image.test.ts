import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageOf, platformImageOf } from '../../plugin/src/approver/image.ts';
import { writeImageArchive } from '../../release/image-archive.ts';
import { IMAGE_EXE, IMAGE_UID } from '../../release/image-rootfs.ts';
import { targetById } from '../../release/targets.ts';
import { QEMU_AARCH64, RUNC, requireXplatTools, SKOPEO, UMOCI } from './xplat-tools.ts';

// The container image that scripts/release builds, read as a registry client reads it (skopeo) and
// run as a container runtime runs it (runc, from the bundle umoci unpacks: the image's own user,
// entrypoint and a read-only root). The arm64 image runs under qemu-aarch64 with its own root
// filesystem as the only sysroot, which proves that root filesystem holds every library it needs.
const VERSION = (
  JSON.parse(readFileSync(new URL('../../plugin/package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;
const work = mkdtempSync(join(tmpdir(), 'kc-image-test-'));
const layout = join(work, 'layout');
let archive: string;

beforeAll(async () => {
  requireXplatTools();
  const image = await writeImageArchive(
    [targetById('linux-amd64'), targetById('linux-arm64'), targetById('windows-amd64')],
    VERSION,
    'https://github.com/kubectl-certs/kubectl-certs',
    work,
  );
  if (!image) throw new Error('no image for a release with linux targets');
  archive = image.file;
  mkdirSync(layout);
  const x = spawnSync('tar', ['-xf', archive, '-C', layout]);
  if (x.status !== 0) throw new Error(`tar -xf ${archive} failed`);
}, 900_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

function run(cmd: string, args: string[], opts: { input?: string; cwd?: string } = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 120_000, ...opts });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function skopeoJson(args: string[]): Record<string, unknown> {
  const r = run(SKOPEO, args);
  if (r.code !== 0) throw new Error(`skopeo ${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

/** The image of one CPU unpacked as a runtime bundle (rootfs/ and the runtime config umoci derives). */
function unpack(arch: string): string {
  const bundle = join(work, `bundle-${arch}`);
  rmSync(bundle, { recursive: true, force: true });
  const r = run(UMOCI, ['unpack', '--image', `${layout}:v${VERSION}-${arch}`, bundle]);
  if (r.code !== 0) throw new Error(`umoci unpack: ${r.stderr}`);
  return bundle;
}

function filesUnder(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(`/${relative(root, p)}`);
    }
  };
  walk(root);
  return out.sort();
}

/** Runs the bundle's process under runc with `args` after the entrypoint and a read-only root. */
function runContainer(bundle: string, args: string[], input?: string) {
  const configFile = join(bundle, 'config.json');
  const config = JSON.parse(readFileSync(configFile, 'utf8'));
  config.process.args = [config.process.args[0], ...args];
  config.process.terminal = false;
  config.root.readonly = true;
  writeFileSync(configFile, JSON.stringify(config));
  const id = `kc-image-test-${process.pid}-${Date.now()}`;
  try {
    return run(RUNC, ['run', '--bundle', bundle, id], { input: input ?? '' });
  } finally {
    spawnSync(RUNC, ['delete', '--force', id], { stdio: 'ignore' });
  }
}

const insecureDeployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: metrics-server
spec:
  template:
    spec:
      containers:
      - name: metrics-server
        args: [--kubelet-insecure-tls]
`;

describe('the release container image', { timeout: 180_000 }, () => {
  it('is one OCI archive whose index names an image per linux CPU, and no other platform', () => {
    const index = skopeoJson(['inspect', '--raw', `oci:${layout}:v${VERSION}`]) as {
      manifests: { platform: { os: string; architecture: string } }[];
    };
    expect(index.manifests.map((m) => m.platform)).toEqual([
      { os: 'linux', architecture: 'amd64' },
      { os: 'linux', architecture: 'arm64' },
    ]);
  });

  it('carries the names that containerd gives it on import: the index, and each platform’s image', () => {
    const top = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8')) as {
      manifests: { annotations?: Record<string, string> }[];
    };
    expect(top.manifests.map((m) => m.annotations?.['io.containerd.image.name'])).toEqual([
      platformImageOf(VERSION, 'amd64'),
      platformImageOf(VERSION, 'arm64'),
      imageOf(VERSION),
    ]);
  });

  it.each(['amd64', 'arm64'])('the %s image starts the executable as the unprivileged user', (arch) => {
    const config = skopeoJson(['inspect', '--config', `oci:${layout}:v${VERSION}-${arch}`]) as {
      architecture: string;
      config: { User: string; Entrypoint: string[]; Cmd?: string[] };
    };
    expect(config.architecture).toBe(arch);
    expect(config.config.User).toBe(`${IMAGE_UID}:${IMAGE_UID}`);
    expect(config.config.Entrypoint).toEqual([IMAGE_EXE]);
    expect(config.config.Cmd ?? []).toEqual([]);
  });

  it.each([
    ['amd64', 'x86_64-linux-gnu', '/lib64/ld-linux-x86-64.so.2', ['libc6', 'libgcc-s1', 'libstdc++6']],
    [
      'arm64',
      'aarch64-linux-gnu',
      '/lib/ld-linux-aarch64.so.1',
      ['libc6-arm64-cross', 'libgcc-s1-arm64-cross', 'libstdc++6-arm64-cross'],
    ],
  ])(
    'the %s root filesystem holds the executable, its C runtime and licenses, and nothing else',
    (arch, triplet, loader, pkgs) => {
      const rootfs = join(unpack(arch), 'rootfs');
      const libs = [
        'ld-linux',
        'libc.so.6',
        'libdl.so.2',
        'libgcc_s.so.1',
        'libm.so.6',
        'libpthread.so.0',
        'libstdc++.so.6',
      ];
      const expected = [
        '/etc/group',
        '/etc/passwd',
        loader,
        ...libs.map((l) => `/lib/${triplet}/${l === 'ld-linux' ? loader.split('/').pop() : l}`),
        ...pkgs.map((p) => `/usr/share/doc/${p}/copyright`),
        IMAGE_EXE,
      ];
      expect(filesUnder(rootfs)).toEqual([...new Set(expected)].sort());
      expect(statSync(join(rootfs, IMAGE_EXE)).mode & 0o777).toBe(0o755);
      expect(readFileSync(join(rootfs, 'etc/passwd'), 'utf8')).toContain(
        `nonroot:x:${IMAGE_UID}:${IMAGE_UID}:`,
      );
    },
  );

  it('the amd64 image runs under runc as its own user, with a read-only root', () => {
    const bundle = unpack('amd64');
    const runtime = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8'));
    expect(runtime.process.user).toMatchObject({ uid: IMAGE_UID, gid: IMAGE_UID });
    const r = runContainer(bundle, ['version', '--client', '-o', 'json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).clientVersion).toMatchObject({
      version: `v${VERSION}`,
      platform: 'linux/x64',
    });
  });

  it('the amd64 container lints a manifest on stdin: oclif, the commands and core all load', () => {
    const r = runContainer(unpack('amd64'), ['lint', '-'], insecureDeployment);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/insecure-kubelet-tls/);
  });

  it('the arm64 image runs under qemu-aarch64 with nothing but its own root filesystem as sysroot', () => {
    const rootfs = join(unpack('arm64'), 'rootfs');
    const r = spawnSync(
      QEMU_AARCH64,
      ['-L', rootfs, join(rootfs, IMAGE_EXE), 'version', '--client', '-o', 'json'],
      {
        encoding: 'utf8',
        env: { PATH: '/nonexistent', HOME: '/nonexistent' },
        timeout: 90_000,
      },
    );
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).clientVersion).toMatchObject({ platform: 'linux/arm64' });
  });
});
