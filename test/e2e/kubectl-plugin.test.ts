import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../plugin/src/commands.ts';
import { sharedCluster } from './shared-cluster.ts';

const cluster = sharedCluster();
const BIN = new URL('../../plugin/bin/kubectl-certs.js', import.meta.url).pathname;
const COMPLETE_BIN = new URL('../../plugin/bin/kubectl_complete-certs.js', import.meta.url).pathname;

// The built plugin on PATH as "kubectl-certs", the way krew or npm -g put it there.
const pathDir = mkdtempSync(join(tmpdir(), 'kc-path-'));
symlinkSync(BIN, join(pathDir, 'kubectl-certs'));
symlinkSync(COMPLETE_BIN, join(pathDir, 'kubectl_complete-certs'));
afterAll(() => rmSync(pathDir, { recursive: true, force: true }));

function kubectl(args: string[]): { code: number; stdout: string; stderr: string } {
  try {
    const stdout = execFileSync('kubectl', args, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: [pathDir, dirname(process.execPath), process.env.PATH].join(delimiter),
        HOME: pathDir,
        KUBECONFIG: cluster.adminKubeconfig,
      },
    });
    return { code: 0, stdout, stderr: '' };
  } catch (e) {
    const err = e as { status: number; stdout: string; stderr: string };
    return { code: err.status, stdout: err.stdout, stderr: err.stderr };
  }
}

describe('kubectl runs the plugin', () => {
  it('kubectl plugin list finds kubectl-certs on PATH', () => {
    const r = kubectl(['plugin', 'list']);
    expect(r.stdout).toContain(join(pathDir, 'kubectl-certs'));
    expect(r.stderr).not.toMatch(/warning: .*kubectl-certs/);
  });

  it('kubectl certs --context <ctx> version reaches the API server of that context', () => {
    const r = kubectl(['certs', '--context', 'kubectl-certs-admin@sandbox', 'version']);
    expect(r).toMatchObject({ code: 0, stdout: 'Client Version: v0.1.0\nServer Version: v1.20.2\n' });
  });

  it('kubectl certs passes the plugin exit code and its one-line error through', () => {
    const r = kubectl(['certs', '--context', 'no-such-context', 'version']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^error: context "no-such-context" not found in .*admin\.kubeconfig \(contexts: kubectl-certs-admin@sandbox\)\n$/,
    );
  });

  it('kubectl certs approver install passes what follows -- on to approver run in the pod', () => {
    const r = kubectl(['certs', 'approver', 'install', '--dry-run=client', '-o', 'json', '--', '--deny']);
    expect(r.code).toBe(0);
    const { items } = JSON.parse(r.stdout) as {
      items: { kind: string; spec: { template: { spec: { containers: { args: string[] }[] } } } }[];
    };
    const deployment = items.find((o) => o.kind === 'Deployment');
    expect(deployment?.spec.template.spec.containers[0]?.args).toEqual([
      'approver',
      'run',
      '--bind-address=:8080',
      '--deny',
    ]);
  });

  it('kubectl certs version -o yaml gives both versions as data', () => {
    const r = kubectl(['certs', 'version', '-o', 'yaml']);
    expect(r.stdout).toMatch(/^clientVersion:\n {2}version: v0\.1\.0\n/);
    expect(r.stdout).toMatch(/serverVersion:\n {2}gitVersion: v1\.20\.2\n/);
  });

  it('kubectl __complete certs offers every command, through kubectl_complete-certs', () => {
    const r = kubectl(['__complete', 'certs', '']);
    const values = r.stdout.split('\n').map((l) => l.split('\t')[0]);
    expect(values).toEqual([...Object.keys(COMMANDS).sort(), ':4', '']);
  });

  it('kubectl __complete certs completes flag values after kubectl global flags', () => {
    const r = kubectl(['__complete', 'certs', '--context', 'x', 'version', '-o', 'y']);
    expect(r.stdout).toBe('yaml\n:4\n');
  });
});
