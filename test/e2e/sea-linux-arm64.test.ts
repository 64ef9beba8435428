import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../plugin/src/commands.ts';
import { buildSea } from '../../release/sea.ts';
import { targetById } from '../../release/targets.ts';
import { ARM64_SYSROOT, QEMU_AARCH64, requireXplatTools } from './xplat-tools.ts';

// The linux-arm64 executable is built on this amd64 machine, which cannot run it natively (and has
// no binfmt_misc): qemu's user-mode emulator runs it, with Debian's arm64 runtime as the sysroot of
// its ld.so, libc and libstdc++. Emulated Node takes a few seconds per start.
const target = targetById('linux-arm64');
const VERSION = (
  JSON.parse(readFileSync(new URL('../../plugin/package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;
let exe: string;
beforeAll(async () => {
  requireXplatTools();
  exe = await buildSea(target);
}, 600_000);

/** The arm64 executable under qemu-aarch64, with no Node.js on PATH. */
function emulated(args: string[], input?: string) {
  const r = spawnSync(QEMU_AARCH64, ['-L', ARM64_SYSROOT, exe, ...args], {
    input,
    encoding: 'utf8',
    env: { PATH: '/nonexistent', HOME: '/nonexistent' },
    timeout: 90_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const insecure = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: metrics-server
spec:
  template:
    spec:
      containers:
      - name: metrics-server
        image: registry.k8s.io/metrics-server/metrics-server:v0.7.2
        args:
        - --kubelet-insecure-tls
`;
const secure =
  'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nserverTLSBootstrap: true\n';

describe('the linux-arm64 executable under qemu-aarch64', { timeout: 120_000 }, () => {
  it('version --client prints the client version', () => {
    expect(emulated(['version', '--client'])).toEqual({
      code: 0,
      stdout: `Client Version: v${VERSION}\n`,
      stderr: '',
    });
  });

  it("version --client -o json names the arm64 Node it runs on (not this machine's)", () => {
    const r = emulated(['version', '--client', '-o', 'json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).clientVersion).toEqual({
      version: `v${VERSION}`,
      nodeVersion: `v${target.nodeVersion}`,
      platform: 'linux/arm64',
    });
  });

  it('--help lists every command', () => {
    const r = emulated(['--help']);
    expect(r.code).toBe(0);
    for (const id of Object.keys(COMMANDS)) expect(r.stdout).toMatch(new RegExp(`^  ${id} `, 'm'));
  });

  it.each([
    [
      'finds --kubelet-insecure-tls in a manifest on stdin and exits 3',
      insecure,
      3,
      /^-:12:11: warning insecure-kubelet-tls metrics-server does not verify kubelet certificates \(--kubelet-insecure-tls\)\. /,
      /^hint: on a live cluster, `kubectl certs secure metrics-server` plans both TLS legs/,
    ],
    [
      'exits 0 with no output on a KubeletConfiguration that bootstraps serving certificates',
      secure,
      0,
      /^$/,
      /^$/,
    ],
  ])('lint - %s', (_name, manifest, code, stdout, stderr) => {
    const r = emulated(['lint', '-'], manifest);
    expect(r.code).toBe(code);
    expect(r.stdout).toMatch(stdout);
    expect(r.stderr).toMatch(stderr);
  });

  it('__complete offers every command, as kubectl_complete-certs asks it', () => {
    const r = emulated(['__completeNoDesc', '']);
    expect(r.stdout).toBe(`${Object.keys(COMMANDS).sort().join('\n')}\n:4\n`);
  });
});
