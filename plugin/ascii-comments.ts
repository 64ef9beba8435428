// A build step of build.ts (and its test): keeps the comments of every bundle ASCII.
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Plugin } from 'esbuild';

/**
 * Node hands V8 a module's source as an external string, one byte per character only when every
 * character is ASCII, two bytes otherwise, and V8 keeps it as long as the code lives. esbuild
 * escapes non-ASCII characters in strings (charset: ascii) but not in comments: 45 typographic
 * apostrophes and section signs in undici's and ip-address's comments made client-node's 17.5 MB
 * chunk take 35 MB in every process that loads it. Each non-ASCII character in a comment becomes
 * '?' (one UTF-16 unit for one: source map columns stay true). Only what is plainly a comment is
 * rewritten (commentOf); any other character is left as it is.
 */
export function asciiComments(code: string): string {
  if (!NON_ASCII.test(code)) return code;
  let inBlock = false;
  return code
    .split('\n')
    .map((line) => {
      const c = commentOf(line, inBlock);
      inBlock = c.open;
      if (!c.span) return line;
      const [from, to] = c.span;
      return line.slice(0, from) + line.slice(from, to).replace(NON_ASCII_ALL, '?') + line.slice(to);
    })
    .join('\n');
}

const NON_ASCII = /[\u0080-\uffff]/;
const NON_ASCII_ALL = /[\u0080-\uffff]/g;

/**
 * The part of a line that is plainly a comment, and whether a block comment is open at its end:
 * the rest of a block comment opened on an earlier line, a block comment the line starts with (its
 * first non-blank characters are /* or *), or "//" at its start or after a space, with no slash
 * before it and its quotes before it paired (not inside a string or a regular expression).
 */
function commentOf(line: string, inBlock: boolean): { span?: [number, number]; open: boolean } {
  const lead = line.length - line.trimStart().length;
  if (inBlock || /^(\/\*|\*)/.test(line.trimStart())) {
    const from = inBlock ? 0 : lead;
    const end = line.indexOf('*/', inBlock ? 0 : lead + 2);
    const opens = !inBlock && line.startsWith('/*', lead);
    if (end < 0) return { span: [from, line.length], open: inBlock || opens };
    return { span: [from, end], open: false };
  }
  const slashes = line.search(/(^|\s)\/\//);
  if (slashes < 0) return { open: false };
  const at = line.indexOf('//', slashes);
  const before = line.slice(0, at);
  const paired = ['"', "'", '`'].every((q) => before.split(q).length % 2 === 1);
  return paired && !before.includes('/') ? { span: [at, line.length], open: false } : { open: false };
}

/** The esbuild plugin: rewrites each written .js/.cjs output with asciiComments. */
export const asciiCommentsPlugin: Plugin = {
  name: 'ascii-comments',
  setup(b) {
    b.onEnd((result) => {
      for (const out of Object.keys(result.metafile?.outputs ?? {})) {
        if (!/\.c?js$/.test(out)) continue;
        const file = resolve(b.initialOptions.absWorkingDir ?? process.cwd(), out);
        const code = readFileSync(file, 'utf8');
        const fixed = asciiComments(code);
        if (fixed !== code) writeFileSync(file, fixed);
      }
    });
  },
};
