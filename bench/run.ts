// scripts/run bench [NAME...]: runs the named benchmarks (default: all) and rewrites their tables
// in BENCHMARKS.md. Each reports a ratio against a peer measured in the same run.
import { approveBacklog, approveBacklogKubectl } from './approve-backlog.ts';
import { approverBurst } from './approver-burst.ts';
import { approverIdleRss } from './approver-idle-rss.ts';
import { coldStart } from './cold-start.ts';
import { extensionLint } from './extension-lint.ts';
import { type Benchmark, recordResults } from './harness.ts';
import { kubeletScan } from './kubelet-scan.ts';
import { lintBench } from './lint.ts';
import { policyEval } from './policy-eval.ts';
import { releaseSize } from './release-size.ts';

const ALL: Benchmark[] = [
  coldStart,
  releaseSize,
  policyEval,
  approveBacklog,
  approveBacklogKubectl,
  approverBurst,
  approverIdleRss,
  kubeletScan,
  lintBench,
  extensionLint,
];
const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !ALL.some((b) => b.name === w));
if (unknown.length) {
  console.error(
    `error: unknown benchmark ${unknown.join(', ')} (have: ${ALL.map((b) => b.name).join(', ')})`,
  );
  process.exit(2);
}
const file = new URL('../BENCHMARKS.md', import.meta.url).pathname;
const date = new Date().toISOString().slice(0, 10);
for (const b of ALL.filter((x) => wanted.length === 0 || wanted.includes(x.name))) {
  console.error(`== ${b.name}`);
  const rows = await b.run((l) => console.error(`   ${l}`));
  console.log(recordResults(file, b, rows, date));
}
