import { describe, expect, it } from 'vitest';
import { asciiComments } from '../ascii-comments.ts';

// Node gives V8 a source with one non-ASCII character at two bytes per character (build.ts).
describe('asciiComments: bundle comments in ASCII, code untouched', () => {
  it.each([
    ['a typographic apostrophe in a line comment', '  // request’s URL\nf();', '  // request?s URL\nf();'],
    ['one in a comment after code', 'a = "x" || // request’s mode\n', 'a = "x" || // request?s mode\n'],
    ['dashes in a line of a block comment', '/**\n * 64–71 — bits\n */', '/**\n * 64?71 ? bits\n */'],
    ['Latin-1 too (Node makes it two bytes all the same)', '// RFC 9111 §5.2\n', '// RFC 9111 ?5.2\n'],
    [
      'the lines of a block comment that do not start with *',
      '/*! Bundled license information:\n  (*! Jimmy Wärting *)\n*/\nf("é");',
      '/*! Bundled license information:\n  (*! Jimmy W?rting *)\n*/\nf("é");',
    ],
    ['each UTF-16 unit of an astral character, so columns stay true', '// 😀\n', '// ??\n'],
  ])('replaces %s', (_, code, expected) => {
    const out = asciiComments(code);
    expect(out).toBe(expected);
    expect(out).toHaveLength(code.length);
  });

  it.each([
    ['a string', 'const a = "’";'],
    ['a regular expression', 'x.replace(/[’]/g, "");'],
    ['what follows a slash that may start a regular expression', 'x = /a/ // ’'],
    ['what follows an unpaired quote (the "//" is inside a string)', 'x = "http://’"'],
    ['an escaped character', 'const a = "\\u2019";'],
  ])('leaves %s as it is', (_, code) => {
    expect(asciiComments(code)).toBe(code);
  });
});
