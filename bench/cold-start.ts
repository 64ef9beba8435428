import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { buildSea } from '../release/sea.ts';
import { hostTarget } from '../release/targets.ts';
import { type Benchmark, interleavedMedians, meanCpuMs, timeCommand } from './harness.ts';

const RUNS = 15;
const CPU_RUNS = 30;

/**
 * CLI cold start: the single executable (as krew installs it) through kubectl, against kubectl's own
 * `version --client`; beside it a command line that is not a quick answer (it loads oclif and the
 * commands), the same executable without V8's code caches, and the npm package's launcher (Node +
 * the split ES module bundle). CPU times too: they hold when the machine is shared.
 */
export const coldStart: Benchmark = {
  name: 'cold-start',
  title: 'CLI cold start (median wall time of a fresh process)',
  async run(log) {
    const host = hostTarget();
    if (!host) throw new Error(`no single executable is built for ${process.platform}-${process.arch}`);
    log('building (or taking from the cache) the single executables, with and without code cache');
    const sea = await buildSea(host);
    const plain = await buildSea(host, { codeCache: false });
    const npm = new URL('../plugin/bin/kubectl-certs.js', import.meta.url).pathname;
    const dir = mkdtempSync(join(tmpdir(), 'kc-bench-path-'));
    const closedPort = join(dir, 'kubeconfig');
    writeFileSync(
      closedPort,
      'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]\ncontexts: [{name: c, context: {cluster: c, user: u}}]\nusers: [{name: u, user: {}}]\ncurrent-context: c\n',
    );
    try {
      // One folder per variant, each holding it as kubectl-certs, as a user's PATH would.
      const pathWith = (name: string, exe: string) => {
        mkdirSync(join(dir, name));
        symlinkSync(exe, join(dir, name, 'kubectl-certs'));
        return {
          ...process.env,
          PATH: [join(dir, name), dirname(process.execPath), process.env.PATH].join(delimiter),
        };
      };
      const [seaEnv, plainEnv, npmEnv] = [
        pathWith('sea', sea),
        pathWith('plain', plain),
        pathWith('npm', npm),
      ];
      const cmds = [
        () => timeCommand('kubectl', ['version', '--client'], seaEnv),
        () => timeCommand('kubectl', ['certs', '--help'], seaEnv),
        () => timeCommand('kubectl', ['certs', 'version', '--client'], seaEnv),
        () => timeCommand('kubectl-certs', ['--help'], seaEnv),
        () => timeCommand('kubectl', ['certs', 'lint', '--help'], seaEnv),
        // Exits 1 (the server cannot be reached), at once.
        () => timeCommand('kubectl', ['certs', 'version', '--kubeconfig', closedPort], seaEnv, [1]),
        () => timeCommand('kubectl', ['certs', '--help'], plainEnv),
        () => timeCommand('kubectl', ['certs', '--help'], npmEnv),
      ];
      log(`timing ${cmds.length} commands x ${RUNS} runs, interleaved`);
      const [peer, help, version, direct, lintHelp, server, helpPlain, helpNpm] = (await interleavedMedians(
        cmds,
        RUNS,
      )) as number[] as [number, number, number, number, number, number, number, number];
      log(`CPU time of ${CPU_RUNS} runs each`);
      const cpu = (cmd: string, args: string[], env: NodeJS.ProcessEnv) =>
        meanCpuMs(() => timeCommand(cmd, args, env), CPU_RUNS);
      const cpuPeer = cpu('kubectl', ['version', '--client'], seaEnv);
      const cpuHelp = cpu('kubectl', ['certs', '--help'], seaEnv);
      const cpuDirect = cpu('kubectl-certs', ['--help'], seaEnv);
      const p = 'kubectl version --client';
      const row = (what: string, figure: number, target?: string) => ({
        what,
        figure,
        peer: p,
        peerFigure: peer,
        unit: 'ms',
        ...(target ? { target } : {}),
      });
      return [
        row('`kubectl certs --help` (single executable)', help, '<= 2x'),
        row('`kubectl certs version --client` (single executable)', version, '<= 2x'),
        row('`kubectl-certs --help` (single executable, no kubectl)', direct),
        row('`kubectl certs lint --help` (single executable; loads oclif and the commands)', lintHelp),
        row(
          '`kubectl certs version` with the server on a closed local port (loads client-node too; fails at once)',
          server,
        ),
        row('`kubectl certs --help` (single executable without code cache)', helpPlain),
        row('`kubectl certs --help` (npm package on Node)', helpNpm),
        {
          what: 'CPU time of `kubectl certs --help` (single executable)',
          figure: cpuHelp,
          peer: `CPU time of ${p}`,
          peerFigure: cpuPeer,
          unit: 'ms',
        },
        {
          what: 'CPU time of `kubectl-certs --help` (single executable, no kubectl)',
          figure: cpuDirect,
          peer: `CPU time of ${p}`,
          peerFigure: cpuPeer,
          unit: 'ms',
        },
      ];
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
