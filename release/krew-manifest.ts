import { stringify } from 'yaml';
import { APPROVER_RULES } from '../plugin/src/rbac.ts';
import type { Target } from './targets.ts';

/** One archive of the release, as the krew manifest points at it. */
export interface ReleasedArchive {
  target: Target;
  fileName: string;
  sha256: string;
  /** The files at the archive's top level. */
  files: string[];
}

export interface KrewPlatform {
  selector: { matchLabels: { os: string; arch: string } };
  uri: string;
  sha256: string;
  files: { from: string; to: string }[];
  bin: string;
}

export interface KrewManifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: {
    version: string;
    homepage: string;
    shortDescription: string;
    description: string;
    caveats: string;
    platforms: KrewPlatform[];
  };
}

export const KREW_PLUGIN_NAME = 'certs';

/**
 * The krew plugin manifest (plugins/certs.yaml in krew-index) for the archives just built. Apple
 * silicon Macs get the darwin-amd64 build, run by Rosetta 2, while the npm registry ships no Node 24
 * for darwin-arm64 (targets.ts).
 */
export function krewManifest(opts: {
  version: string;
  homepage: string;
  baseUrl: string;
  archives: ReleasedArchive[];
}): KrewManifest {
  const platforms = opts.archives.map((a) => platform(a, a.target.os, a.target.arch, opts.baseUrl));
  const darwinAmd64 = opts.archives.find((a) => a.target.id === 'darwin-amd64');
  if (darwinAmd64 && !opts.archives.some((a) => a.target.id === 'darwin-arm64'))
    platforms.push(platform(darwinAmd64, 'darwin', 'arm64', opts.baseUrl));
  return {
    apiVersion: 'krew.googlecontainertools.github.com/v1alpha2',
    kind: 'Plugin',
    metadata: { name: KREW_PLUGIN_NAME },
    spec: {
      version: `v${opts.version}`,
      homepage: opts.homepage,
      shortDescription: 'Approve kubelet serving certs; debug kubelet TLS',
      description: DESCRIPTION,
      caveats: caveats(),
      platforms,
    },
  };
}

export function krewManifestYaml(m: KrewManifest): string {
  return stringify(m, { lineWidth: 0 });
}

function platform(a: ReleasedArchive, os: string, arch: string, baseUrl: string): KrewPlatform {
  return {
    selector: { matchLabels: { os, arch } },
    uri: `${baseUrl.replace(/\/$/, '')}/${a.fileName}`,
    sha256: a.sha256,
    files: a.files.map((from) => ({ from, to: '.' })),
    bin: a.target.exe,
  };
}

const DESCRIPTION = `Lets metrics-server and other clients verify kubelets without --kubelet-insecure-tls.
approve-serving approves a kubelet-serving CSR only when every DNS and IP name belongs
to the node that filed it, and says why it refuses the others. check-expiration lists
when every certificate expires; inspect-kubelet explains the x509 error a client sees;
lint finds and fixes insecure TLS settings in manifests.
`;

/** What approve-serving needs in RBAC, from the same rules that `kubectl certs rbac` prints. */
function caveats(): string {
  const rules = APPROVER_RULES.map((r) => {
    const group = r.apiGroups[0] ? ` (${r.apiGroups[0]})` : '';
    const names = 'resourceNames' in r && r.resourceNames ? ` ${r.resourceNames.join(', ')}` : '';
    return `  - ${r.resources.join(', ')}${names}${group}: ${r.verbs.join(', ')}`;
  });
  return `approve-serving needs these permissions (the other commands only read):
${rules.join('\n')}
Grant exactly these to whoever approves (a user, group or service account):
  kubectl certs rbac --user NAME | kubectl apply -f -

Shell completion of "kubectl certs" (kubectl 1.26+) needs kubectl_complete-certs on PATH; krew
links only kubectl-certs, so copy the helper next to it (it calls kubectl-certs, so it survives upgrades):
  bin="\${KREW_ROOT:-$HOME/.krew}/bin"; cp "$(dirname "$(readlink "$bin/kubectl-certs")")/kubectl_complete-certs" "$bin/"
On Windows, copy kubectl_complete-certs.cmd from %USERPROFILE%\\.krew\\store\\certs\\<version> to %USERPROFILE%\\.krew\\bin.
`;
}
