import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lint } from '@kubectl-certs/core';
import { build } from 'esbuild';
import { parseAllDocuments } from 'yaml';
import { runInExtensionHost } from '../extension/test/harness/extension-host.ts';
import { ensureVscodeTools } from '../extension/test/harness/tools.ts';
import { type Benchmark, interleavedMedians, median } from './harness.ts';

const LINES = 10_000;
const EDITS = 41;

/** A manifest of at least 10,000 lines: the example (metrics-server and its APIService) over and over. */
function bigManifest(): string {
  const example = readFileSync(new URL('../docs/examples/components.yaml', import.meta.url), 'utf8');
  const parts: string[] = [];
  let lines = 0;
  while (lines < LINES) {
    parts.push(example);
    lines += example.split('\n').length;
  }
  return parts.join('---\n');
}

interface HostFigures {
  lines: number;
  diagnostics: number;
  editToPublished: number[];
  lint: number[];
}

/**
 * The extension in code-server's real extension host: from an edit of a 10,000-line manifest to
 * its diagnostics published (lintDelay 0, so the typing pause is not counted), and the lint
 * itself as the extension timed it. Peers, in this process: core's lint() of the same text
 * outside the editor, and the YAML parse alone.
 */
export const extensionLint: Benchmark = {
  name: 'extension-lint',
  title: 'VS Code extension: from an edit of a 10,000-line manifest to its diagnostics (extension host)',
  async run(log) {
    ensureVscodeTools();
    const dir = mkdtempSync(join(tmpdir(), 'kc-bench-ext-'));
    try {
      const text = bigManifest();
      const file = join(dir, 'big.yaml');
      writeFileSync(file, text);
      await build({
        entryPoints: [new URL('./extension-host/edit-latency.ts', import.meta.url).pathname],
        outfile: join(dir, 'edit-latency.cjs'),
        bundle: true,
        format: 'cjs',
        platform: 'node',
        external: ['vscode'],
        logLevel: 'warning',
      });
      log(`${text.split('\n').length} lines; ${EDITS} edits in code-server's extension host`);
      const extension = new URL('../extension', import.meta.url).pathname;
      const host = await runInExtensionHost<HostFigures>({
        extensionPath: extension,
        testsPath: join(dir, 'edit-latency.cjs'),
        workspace: dir,
        settings: { 'kubectlCerts.lintDelay': 0 },
        env: { KUBECTL_CERTS_BENCH_FILE: file, KUBECTL_CERTS_BENCH_EDITS: String(EDITS) },
      });
      if (host.exitCode !== 0 || !host.results)
        throw new Error(`the extension host run failed (exit ${host.exitCode}):\n${host.log.join('\n')}`);
      const r = host.results;
      log(
        `${r.lines} lines, ${r.diagnostics} diagnostics; edit→published ${r.editToPublished.map((x) => x.toFixed(0)).join(' ')} ms`,
      );
      const [plainLint, parse] = (await interleavedMedians(
        [() => time(() => lint(text)), () => time(() => parseAllDocuments(text, { keepSourceTokens: true }))],
        EDITS,
      )) as [number, number];
      return [
        {
          what: `lint of the ${r.lines}-line manifest in the extension host (${r.diagnostics} findings, median of ${EDITS} edits)`,
          figure: median(r.lint),
          peer: 'YAML parse alone (parseAllDocuments), same text, plain Node',
          peerFigure: parse,
          unit: 'ms',
          target: '<= 50 ms',
        },
        {
          what: 'edit → diagnostics published in the extension host (lintDelay 0; the default adds 150 ms of typing pause)',
          figure: median(r.editToPublished),
          peer: "core's lint() of the same text with no parse cache (a full parse), plain Node",
          peerFigure: plainLint,
          unit: 'ms',
        },
      ];
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

function time(work: () => unknown): number {
  const t0 = performance.now();
  work();
  return performance.now() - t0;
}
