import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { type Benchmark, interleavedMedians, timeCommand } from './harness.ts';

const RUNS = 15;

/** CLI cold start: our plugin through kubectl (and directly) against kubectl's own `version --client`. */
export const coldStart: Benchmark = {
  name: 'cold-start',
  title: 'CLI cold start (median wall time of a fresh process)',
  async run(log) {
    const dir = mkdtempSync(join(tmpdir(), 'kc-bench-path-'));
    try {
      const bin = new URL('../plugin/bin/kubectl-certs.js', import.meta.url).pathname;
      symlinkSync(bin, join(dir, 'kubectl-certs'));
      const env = {
        ...process.env,
        PATH: [dir, dirname(process.execPath), process.env.PATH].join(delimiter),
      };
      const cmds = [
        () => timeCommand('kubectl', ['version', '--client'], env),
        () => timeCommand('kubectl', ['certs', '--help'], env),
        () => timeCommand('kubectl-certs', ['--help'], env),
        () => timeCommand('kubectl', ['certs', 'version', '--client'], env),
      ];
      log(`timing ${cmds.length} commands x ${RUNS} runs, interleaved`);
      const [peer, viaKubectl, direct, version] = (await interleavedMedians(cmds, RUNS)) as [
        number,
        number,
        number,
        number,
      ];
      const p = 'kubectl version --client';
      return [
        {
          what: '`kubectl certs --help`',
          figure: viaKubectl,
          peer: p,
          peerFigure: peer,
          unit: 'ms',
          target: '<= 2x (SEA, issue 8)',
        },
        {
          what: '`kubectl-certs --help` (no kubectl)',
          figure: direct,
          peer: p,
          peerFigure: peer,
          unit: 'ms',
        },
        {
          what: '`kubectl certs version --client`',
          figure: version,
          peer: p,
          peerFigure: peer,
          unit: 'ms',
          target: '<= 2x (SEA, issue 8)',
        },
      ];
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
