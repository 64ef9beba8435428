// A build step of build.ts (and its test): keeps every bundle's source one byte per character.
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Plugin } from 'esbuild';

/**
 * V8 stores a script's source as two bytes per character as soon as one character is above
 * U+00FF, and keeps the source for as long as the code lives. esbuild escapes such characters in
 * strings (charset: ascii) but not in comments: a few typographic apostrophes in undici's comments
 * made client-node's 17.5 MB chunk cost 35 MB of memory in every process that loads it, instead of
 * 17.5. Each such character in a comment becomes '?' (one UTF-16 unit for one, so that source map
 * columns stay true). One on a line that is not plainly a comment there (a line comment, or a line
 * of a block comment) stops the build: rewriting it might change the program.
 */
export function oneByteSource(code: string, file: string): string {
  if (!WIDE.test(code)) return code;
  return code
    .split('\n')
    .map((line, i) => {
      const at = line.search(WIDE);
      if (at < 0) return line;
      const comment = commentStart(line);
      if (comment === undefined || comment > at)
        throw new Error(
          `${file}:${i + 1}: a character above U+00FF outside a comment: ${line.trim().slice(0, 80)}`,
        );
      return line.slice(0, comment) + line.slice(comment).replace(WIDE_ALL, '?');
    })
    .join('\n');
}

const WIDE = /[\u0100-\uffff]/;
const WIDE_ALL = /[\u0100-\uffff]/g;

/**
 * Where the comment of a line starts, when it plainly is one: a line of a block comment (it
 * starts with /*, * or *\/), or "//" at its start or after a space, with no slash before it and
 * its quotes before it paired (not inside a string or a regular expression).
 */
function commentStart(line: string): number | undefined {
  const lead = line.length - line.trimStart().length;
  if (/^(\/\*|\*)/.test(line.trimStart())) return lead;
  const slashes = line.search(/(^|\s)\/\//);
  if (slashes < 0) return undefined;
  const at = line.indexOf('//', slashes);
  const before = line.slice(0, at);
  const paired = ['"', "'", '`'].every((q) => before.split(q).length % 2 === 1);
  return paired && !before.includes('/') ? at : undefined;
}

/** The esbuild plugin: rewrites each written .js/.cjs output with oneByteSource. */
export const oneByteSources: Plugin = {
  name: 'one-byte-sources',
  setup(b) {
    b.onEnd((result) => {
      for (const out of Object.keys(result.metafile?.outputs ?? {})) {
        if (!/\.c?js$/.test(out)) continue;
        const file = resolve(b.initialOptions.absWorkingDir ?? process.cwd(), out);
        const code = readFileSync(file, 'utf8');
        const fixed = oneByteSource(code, out);
        if (fixed !== code) writeFileSync(file, fixed);
      }
    });
  },
};
