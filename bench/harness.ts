import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';

/** One line of a benchmark's table: our figure against a peer's, measured in the same run. */
export interface Row {
  what: string;
  figure: number;
  peer: string;
  peerFigure: number;
  unit: string;
  /** Lower is better for times; the ratio is figure / peerFigure. */
  target?: string;
}

export interface Benchmark {
  name: string;
  title: string;
  run(log: (line: string) => void): Promise<Row[]>;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/**
 * Wall time of one process run without blocking this process's event loop (for benchmarks whose
 * servers live in this process). `okCodes` are the exit statuses that count as success.
 */
export function timeCommandAsync(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  okCodes = [0],
): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - t0;
      if (okCodes.includes(code ?? -1)) resolve(ms);
      else
        reject(
          new Error(`${cmd} ${args.join(' ').slice(0, 80)} failed (exit ${code}): ${stderr.slice(-300)}`),
        );
    });
  });
}

/**
 * Wall time of one process run, in milliseconds; a command that fails (an exit code not in
 * `okCodes`) is an error, not a figure.
 */
export function timeCommand(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
  okCodes: number[] = [0],
): number {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = performance.now() - t0;
  if (!okCodes.includes(r.status ?? -1))
    throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status}): ${r.stderr.toString().trim()}`);
  return ms;
}

/**
 * Medians of `runs` timings of each command, interleaved (a, b, a, b, ...) after `warmup` rounds so
 * that both sides see the same machine state (page cache, CPU frequency, other load).
 */
export async function interleavedMedians(
  commands: (() => number | Promise<number>)[],
  runs: number,
  warmup = 2,
): Promise<number[]> {
  for (let i = 0; i < warmup; i++) for (const c of commands) await c();
  const samples = commands.map(() => [] as number[]);
  for (let i = 0; i < runs; i++) {
    for (const [j, c] of commands.entries()) samples[j]?.push(await c());
  }
  return samples.map(median);
}

/**
 * CPU time (user + system, in ms) of this process's finished children, from /proc/self/stat
 * (cutime + cstime, in clock ticks of 10 ms). Over many runs the mean is exact to well under a
 * millisecond, and unlike wall time it hardly moves when other work shares the machine.
 */
export function childrenCpuMs(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]?.split(' ') ?? [];
  // After "pid (comm) ", cutime and cstime are fields 16 and 17 of stat, here 13 and 14.
  return (Number(fields[13]) + Number(fields[14])) * 10;
}

/** Mean CPU time of `runs` runs of a command (after one warm-up), in ms. */
export function meanCpuMs(run: () => unknown, runs: number): number {
  run();
  const before = childrenCpuMs();
  for (let i = 0; i < runs; i++) run();
  return (childrenCpuMs() - before) / runs;
}

/** Milliseconds one call of `work` takes. */
export async function timeIt(work: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await work();
  return performance.now() - t0;
}

export function machine(): string {
  const cpu = cpus()[0]?.model.replace(/\s+/g, ' ').trim() ?? 'unknown CPU';
  return `${cpus().length} cores, ${cpu}, Node ${process.version}`;
}

const fmt = (n: number, unit: string) =>
  unit === 'ms' ? n.toFixed(0) : n >= 100 ? n.toFixed(0) : n.toFixed(2);

/** Rewrites the section of BENCHMARKS.md between <!-- bench:NAME --> markers (adds it if new). */
export function recordResults(file: string, b: Benchmark, rows: Row[], date: string): string {
  const table = [
    `### ${b.title}`,
    '',
    `Measured ${date} on ${machine()} by \`scripts/run bench ${b.name}\`.`,
    '',
    '| measure | figure | peer | peer figure | ratio | target |',
    '|---|---:|---|---:|---:|---|',
    ...rows.map(
      (r) =>
        `| ${r.what} | ${fmt(r.figure, r.unit)} ${r.unit} | ${r.peer} | ${fmt(r.peerFigure, r.unit)} ${r.unit} | ${(r.figure / r.peerFigure).toFixed(2)}x | ${r.target ?? ''} |`,
    ),
  ].join('\n');
  const start = `<!-- bench:${b.name} -->`;
  const end = `<!-- /bench:${b.name} -->`;
  const text = readFileSync(file, 'utf8');
  const block = `${start}\n${table}\n${end}`;
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  const next =
    i >= 0 && j > i
      ? text.slice(0, i) + block + text.slice(j + end.length)
      : `${text.trimEnd()}\n\n${block}\n`;
  writeFileSync(file, next);
  return table;
}
