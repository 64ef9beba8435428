import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { COMMANDS } from '../../plugin/src/commands.ts';
import {
  type KrewManifest,
  type KrewPlatform,
  krewManifest,
  krewManifestYaml,
  type ReleasedArchive,
} from '../../release/krew-manifest.ts';
import { krewProblems } from '../../release/krew-rules.ts';
import { archiveName, archiveTarget } from '../../release/target-archive.ts';
import { TARGETS, targetById } from '../../release/targets.ts';
import { krewInstall } from './krew-simulator.ts';
import { sharedCluster } from './shared-cluster.ts';

// The release as a krew user on linux/amd64 gets it: the archive (built here from the cached single
// executable, or built now) and the krew manifest that points at it, installed the way
// `kubectl krew install --manifest --archive` does, then run by the real kubectl with no Node.js.
const cluster = sharedCluster();
const VERSION = (
  JSON.parse(readFileSync(new URL('../../plugin/package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;
const work = mkdtempSync(join(tmpdir(), 'kc-krew-'));
const home = join(work, 'home');
const krewRoot = join(home, '.krew');
const tools = join(work, 'tools');
let archive: ReleasedArchive;
let manifest: KrewManifest;
afterAll(() => rmSync(work, { recursive: true, force: true }));

beforeAll(async () => {
  archive = await archiveTarget(targetById('linux-amd64'), VERSION, work);
  const m = krewManifest({
    version: VERSION,
    homepage: 'https://example.org/kubectl-certs',
    baseUrl: 'https://example.org/dl',
    archives: [archive],
  });
  writeFileSync(join(work, 'certs.yaml'), krewManifestYaml(m));
  manifest = parse(readFileSync(join(work, 'certs.yaml'), 'utf8')) as KrewManifest;
  await krewInstall(join(work, 'certs.yaml'), join(work, archive.fileName), krewRoot);
  // kubectl and the few coreutils the caveats use, without the rest of /usr/bin (which holds node).
  mkdirSync(tools);
  for (const tool of ['kubectl', 'cp', 'dirname', 'readlink'])
    symlinkSync(
      execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim(),
      join(tools, tool),
    );
}, 600_000);

/** A command as the krew user runs it: PATH is krew's bin and the tools, HOME holds ~/.krew. */
function userRuns(cmd: string, args: string[]) {
  const r = spawnSync(cmd, args, {
    encoding: 'utf8',
    env: {
      PATH: [join(krewRoot, 'bin'), tools].join(delimiter),
      HOME: home,
      KUBECONFIG: cluster.adminKubeconfig,
    },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the krew manifest', () => {
  it('passes krew validation', () => {
    expect(krewProblems(manifest, 'certs.yaml')).toEqual([]);
  });

  it('points at the archive with its sha256, and its bin and files are in the archive', () => {
    const [platform] = manifest.spec.platforms;
    expect(manifest.spec.platforms).toHaveLength(1);
    expect(platform).toMatchObject({
      selector: { matchLabels: { os: 'linux', arch: 'amd64' } },
      uri: `https://example.org/dl/${archive.fileName}`,
      sha256: archive.sha256,
      bin: 'kubectl-certs',
    });
    const listed = execFileSync('tar', ['-tzf', join(work, archive.fileName)], { encoding: 'utf8' })
      .trim()
      .split('\n');
    expect(listed.sort()).toEqual(['LICENSE', 'kubectl-certs', 'kubectl_complete-certs']);
    expect(platform?.files.map((f) => f.from).sort()).toEqual(listed);
  });

  it('names v-prefixed version from plugin/package.json and the RBAC approve-serving needs', () => {
    expect(manifest.spec.version).toBe(`v${VERSION}`);
    expect(manifest.spec.caveats).toContain(
      'certificatesigningrequests/approval (certificates.k8s.io): update',
    );
    expect(manifest.spec.caveats).toContain(
      'signers kubernetes.io/kubelet-serving (certificates.k8s.io): approve',
    );
    expect(manifest.spec.caveats).toContain('kubectl certs rbac --user NAME | kubectl apply -f -');
  });

  it('of a full release has a platform per archive, and sends Apple silicon to darwin-amd64', () => {
    const archives = TARGETS.map((target, i) => ({
      target,
      fileName: archiveName(target, VERSION),
      sha256: String(i).repeat(64),
      files: [target.exe, 'LICENSE'],
    }));
    const m = krewManifest({
      version: VERSION,
      homepage: 'https://example.org/k',
      baseUrl: 'https://example.org/dl/',
      archives,
    });
    expect(krewProblems(m, 'certs.yaml')).toEqual([]);
    const byPlatform = Object.fromEntries(
      m.spec.platforms.map((p) => [
        `${p.selector.matchLabels.os}/${p.selector.matchLabels.arch}`,
        [p.uri.split('/').pop(), p.bin],
      ]),
    );
    expect(byPlatform).toEqual({
      'linux/amd64': [`kubectl-certs-v${VERSION}-linux-amd64.tar.gz`, 'kubectl-certs'],
      'linux/arm64': [`kubectl-certs-v${VERSION}-linux-arm64.tar.gz`, 'kubectl-certs'],
      'darwin/amd64': [`kubectl-certs-v${VERSION}-darwin-amd64.tar.gz`, 'kubectl-certs'],
      'darwin/arm64': [`kubectl-certs-v${VERSION}-darwin-amd64.tar.gz`, 'kubectl-certs'],
      'windows/amd64': [`kubectl-certs-v${VERSION}-windows-amd64.zip`, 'kubectl-certs.exe'],
    });
  });

  const first = (m: KrewManifest) => m.spec.platforms[0] as KrewPlatform;
  const broken: [string, (m: KrewManifest) => void, RegExp][] = [
    [
      'a name that is not the file name',
      (m) => {
        m.metadata.name = 'cert';
      },
      /must be named cert\.yaml/,
    ],
    [
      'a version without v',
      (m) => {
        m.spec.version = '0.1.0';
      },
      /not a semantic version with a leading v/,
    ],
    [
      'a version that is not semver',
      (m) => {
        m.spec.version = 'v1.2';
      },
      /not a semantic version/,
    ],
    [
      'a long shortDescription',
      (m) => {
        m.spec.shortDescription = 'x'.repeat(51);
      },
      /51 characters \(at most 50\)/,
    ],
    [
      'a shortDescription over two lines',
      (m) => {
        m.spec.shortDescription = 'a\nb';
      },
      /line break/,
    ],
    [
      'no platform',
      (m) => {
        m.spec.platforms = [];
      },
      /no platform/,
    ],
    [
      'an uppercase sha256',
      (m) => {
        first(m).sha256 = archive.sha256.toUpperCase();
      },
      /sha256 .* is not 64 lowercase hex/,
    ],
    [
      'a plain-http uri',
      (m) => {
        first(m).uri = 'http://example.org/a.tar.gz';
      },
      /is not an https URL/,
    ],
    [
      'an empty bin',
      (m) => {
        first(m).bin = '';
      },
      /bin is empty/,
    ],
    [
      'a files entry without to',
      (m) => {
        (first(m).files[0] as { to: string }).to = '';
      },
      /lacks from or to/,
    ],
    [
      'a selector on another label',
      (m) => {
        (first(m).selector.matchLabels as Record<string, string>).distro = 'debian';
      },
      /selector key distro/,
    ],
    [
      'two platforms for one os/arch',
      (m) => {
        m.spec.platforms.push(structuredClone(first(m)));
      },
      /two platforms select linux\/amd64/,
    ],
  ];
  it.each(broken)('krew refuses %s', (_name, breakIt, problem) => {
    const m = structuredClone(manifest);
    breakIt(m);
    expect(krewProblems(m, 'certs.yaml').join('\n')).toMatch(problem);
  });
});

describe('kubectl runs the krew-installed plugin without Node.js', () => {
  it('has no node on PATH', () => {
    expect(userRuns('/bin/sh', ['-c', 'command -v node']).code).not.toBe(0);
  });

  it("kubectl plugin list finds kubectl-certs in krew's bin", () => {
    const r = userRuns('kubectl', ['plugin', 'list']);
    expect(r.stdout).toContain(join(krewRoot, 'bin', 'kubectl-certs'));
    expect(r.stderr).not.toMatch(/warning/);
  });

  it('kubectl certs --help lists every command', () => {
    const r = userRuns('kubectl', ['certs', '--help']);
    expect(r.code).toBe(0);
    for (const id of Object.keys(COMMANDS)) expect(r.stdout).toMatch(new RegExp(`^  ${id} `, 'm'));
  });

  it("kubectl certs version runs on the executable's own Node and reaches the API server", () => {
    expect(userRuns('kubectl', ['certs', 'version'])).toMatchObject({
      code: 0,
      stdout: `Client Version: v${VERSION}\nServer Version: v1.20.2\n`,
    });
    const client = JSON.parse(userRuns('kubectl', ['certs', 'version', '--client', '-o', 'json']).stdout);
    expect(client.clientVersion).toEqual({
      version: `v${VERSION}`,
      nodeVersion: 'v24.21.0',
      platform: 'linux/x64',
    });
  });

  it('errors stay one line', () => {
    const r = userRuns('kubectl', ['certs', 'version', '--kubeconfig', join(work, 'absent')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`error: kubeconfig ${join(work, 'absent')} does not exist\n`);
  });

  it("after the caveats' step, kubectl completes kubectl certs through kubectl_complete-certs", () => {
    const step = manifest.spec.caveats.split('\n').find((l) => l.includes('cp "$(dirname'));
    expect(userRuns('/bin/sh', ['-c', step ?? 'false']).code).toBe(0);
    const r = userRuns('kubectl', ['__complete', 'certs', '']);
    expect(r.stdout.split('\n').map((l) => l.split('\t')[0])).toEqual([
      ...Object.keys(COMMANDS).sort(),
      ':4',
      '',
    ]);
  });
});
