import { readFileSync } from 'node:fs';
import { LineCounter, parseAllDocuments } from 'yaml';
import { lint } from '../packages/core/src/index.ts';

const ex = readFileSync('docs/examples/components.yaml', 'utf8');
const parts: string[] = [];
let n = 0;
while (n < 10000) {
  parts.push(ex);
  n += ex.split('\n').length;
}
const text = parts.join('---\n');
const t = (f: () => unknown) => {
  const a = performance.now();
  f();
  return (performance.now() - a).toFixed(1);
};
for (let i = 0; i < 8; i++) {
  console.log(
    'lint',
    t(() => lint(text)),
    'findings',
    lint(text).length,
    'parse+lc+tokens',
    t(() => parseAllDocuments(text, { keepSourceTokens: true, lineCounter: new LineCounter() })),
    'parse plain',
    t(() => parseAllDocuments(text)),
  );
}
