import { describe, expect, it } from 'vitest';
import { oneByteSource } from '../one-byte-source.ts';

// V8 holds a source with one character above U+00FF at two bytes per character (build.ts).
const cases: [string, string, string][] = [
  [
    'replaces a typographic apostrophe in a line comment',
    '  // request’s URL\nf();',
    '  // request?s URL\nf();',
  ],
  ['replaces it in a comment after code', 'a = "x" || // request’s mode\n', 'a = "x" || // request?s mode\n'],
  ['replaces it in a line of a block comment', '/**\n * 64–71 — bits\n */', '/**\n * 64?71 ? bits\n */'],
  ['replaces each UTF-16 unit of an astral character, so columns stay true', '// 😀\n', '// ??\n'],
  [
    'leaves Latin-1 alone (one byte already)',
    '// RFC 9111 §5.2\nconst é = 1;',
    '// RFC 9111 §5.2\nconst é = 1;',
  ],
  ['leaves a source without such characters as it is', 'const a = "\\u2019";', 'const a = "\\u2019";'],
];

describe('oneByteSource: bundle sources one byte per character', () => {
  it.each(cases)('%s', (_, code, expected) => {
    const out = oneByteSource(code, 'chunk.js');
    expect(out).toBe(expected);
    expect(out).toHaveLength(code.length);
  });

  it.each([
    ['in a string', 'const a = "’";'],
    ['in a regular expression', 'x.replace(/[’]/g, "");'],
    ['after a slash that may start a regular expression', 'x = /a/ // ’'],
    ['after an unpaired quote (the "//" is inside a string)', 'x = "http://’"'],
  ])('stops the build on one outside a comment: %s', (_, code) => {
    expect(() => oneByteSource(code, 'chunk.js')).toThrow(
      /chunk\.js:1: a character above U\+00FF outside a comment/,
    );
  });
});
