import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../plugin/src/commands.ts';

// `npm install -g kubectl-certs` as a user runs it, on the tarball that `npm pack` of plugin/ makes
// (what `npm publish` would upload), into a temporary prefix, with no registry access.
const PLUGIN = new URL('../../plugin/', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'kc-npm-'));
const prefix = join(work, 'prefix');
let tarball: string;
afterAll(() => rmSync(work, { recursive: true, force: true }));

beforeAll(() => {
  const packed = execFileSync('npm', ['pack', '--pack-destination', work, '--silent'], {
    cwd: PLUGIN,
    encoding: 'utf8',
  });
  tarball = join(work, packed.trim().split('\n').pop() as string);
  execFileSync(
    'npm',
    ['install', '-g', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', tarball],
    { stdio: 'ignore' },
  );
}, 120_000);

/** A command with the installed bin folder and this test's Node (24) on PATH, and nothing else. */
function userRuns(cmd: string, args: string[], node = process.execPath) {
  const r = spawnSync(cmd, args, {
    encoding: 'utf8',
    env: { PATH: [join(prefix, 'bin'), dirname(node)].join(delimiter), HOME: work },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the npm package', () => {
  it('bundles every dependency and declares its executables and Node', () => {
    const pkg = JSON.parse(
      execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }),
    );
    expect(pkg.dependencies).toBeUndefined();
    expect(JSON.stringify([pkg.dependencies, pkg.peerDependencies, pkg.optionalDependencies])).not.toContain(
      'workspace:',
    );
    expect(pkg.bin).toEqual({
      'kubectl-certs': './bin/kubectl-certs.js',
      'kubectl_complete-certs': './bin/kubectl_complete-certs.js',
    });
    expect(pkg.engines).toEqual({ node: '>=22.19' });
  });

  it('holds the launchers, the bundle, LICENSE and README, and no sources or source maps', () => {
    const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).trim().split('\n');
    for (const f of [
      'bin/kubectl-certs.js',
      'bin/kubectl_complete-certs.js',
      'dist/kubectl-certs.js',
      'LICENSE',
      'README.md',
      'package.json',
    ])
      expect(files).toContain(`package/${f}`);
    expect(files.filter((f) => f.endsWith('.map') || f.includes('/src/') || f.includes('/sea/'))).toEqual([]);
  });
});

describe('npm install -g kubectl-certs', () => {
  it('puts kubectl-certs on PATH and it runs', () => {
    const help = userRuns('kubectl-certs', ['--help']);
    expect(help.code).toBe(0);
    for (const id of Object.keys(COMMANDS)) expect(help.stdout).toMatch(new RegExp(`^  ${id} `, 'm'));
    expect(userRuns('kubectl-certs', ['version', '--client'])).toMatchObject({
      code: 0,
      stdout: 'Client Version: v0.1.0\n',
    });
  });

  it('puts kubectl_complete-certs on PATH for kubectl 1.26+', () => {
    const r = userRuns('kubectl_complete-certs', ['']);
    expect(r.stdout.split('\n').map((l) => l.split('\t')[0])).toEqual([
      ...Object.keys(COMMANDS).sort(),
      ':4',
      '',
    ]);
  });

  // The machine's own Node (20 here and on CI) is older than the package's engines.
  const oldNode = ['/usr/bin/node', '/usr/local/bin/node'].find(
    (n) =>
      existsSync(n) &&
      Number(execFileSync(n, ['-p', 'process.versions.node.split(".")[0]'], { encoding: 'utf8' })) < 22,
  );
  it.skipIf(!oldNode)('on an older Node, says which Node it needs in one line', () => {
    const r = userRuns('kubectl-certs', ['--help'], oldNode);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^error: kubectl-certs needs Node\.js 22\.19 or newer \(found v\d+\.\d+\.\d+\)\n$/,
    );
  });
});
