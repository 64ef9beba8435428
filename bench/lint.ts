import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lint } from '@kubectl-certs/core';
import { parseAllDocuments } from 'yaml';
import { type Benchmark, interleavedMedians, timeCommand } from './harness.ts';
import { largeManifest } from './lint-manifest.ts';

const LINES = 10_000;
const RUNS = 21;
const CLI_RUNS = 9;
const BIN = new URL('../plugin/bin/kubectl-certs.js', import.meta.url).pathname;

function timeSync(work: () => unknown): number {
  const t0 = performance.now();
  work();
  return performance.now() - t0;
}

/** Every rule over a 10,000-line manifest against parsing the same text and nothing else. */
export const lintBench: Benchmark = {
  name: 'lint',
  title: 'Linting a 10,000-line multi-document manifest (every rule vs bare yaml.parseAllDocuments)',
  async run(log) {
    const text = largeManifest(LINES);
    const lines = text.split('\n').length;
    const expected = lint(text).length;
    if (expected === 0) throw new Error('the generated manifest gave no findings: the bench would not lint');
    log(`${lines} lines, ${parseAllDocuments(text).length} documents, ${expected} findings`);
    const ours = () => timeSync(() => lint(text));
    const bare = () => timeSync(() => parseAllDocuments(text));
    log(`timing ${RUNS} runs of each in process, interleaved`);
    const [inProcess, parse] = (await interleavedMedians([ours, bare], RUNS, 3)) as [number, number];

    const dir = mkdtempSync(join(tmpdir(), 'kc-bench-lint-'));
    try {
      const file = join(dir, 'cluster.yaml');
      writeFileSync(file, text);
      const peerScript = `require('yaml').parseAllDocuments(require('node:fs').readFileSync(${JSON.stringify(file)}, 'utf8'))`;
      const yamlDir = new URL('../plugin/', import.meta.url).pathname;
      const env = { ...process.env, NODE_PATH: join(yamlDir, 'node_modules') };
      // Exit 3 = findings: the figure counts only when the CLI reports what lint() found.
      const cli = () => {
        const t0 = performance.now();
        const r = spawnLint(file);
        if (r !== 3) throw new Error(`kubectl-certs lint exited ${r}, expected 3 (findings)`);
        return performance.now() - t0;
      };
      log(`timing ${CLI_RUNS} runs of the CLI and of node + yaml parsing the file, interleaved`);
      const [endToEnd, nodeParse] = (await interleavedMedians(
        [cli, () => timeCommand(process.execPath, ['--input-type=commonjs', '-e', peerScript], env)],
        CLI_RUNS,
        1,
      )) as [number, number];
      return [
        {
          what: `\`lint()\` of ${lines} lines (${expected} findings), in process`,
          figure: inProcess,
          peer: '`yaml.parseAllDocuments` of the same text',
          peerFigure: parse,
          unit: 'ms',
          target: '<= 1.5x',
        },
        {
          what: '`kubectl certs lint cluster.yaml`, end to end (process start, read, lint, print)',
          figure: endToEnd,
          peer: '`node -e` loading yaml and parsing the same file',
          peerFigure: nodeParse,
          unit: 'ms',
        },
      ];
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

function spawnLint(file: string): number | null {
  return spawnSync(process.execPath, [BIN, 'lint', file], { stdio: 'ignore' }).status;
}
