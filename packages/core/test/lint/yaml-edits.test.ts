import { describe, expect, it } from 'vitest';
import { isMap, isScalar, parseDocument, type Scalar, type YAMLMap } from 'yaml';
import { applyEdits } from '../../src/lint/apply-edits.ts';
import {
  addMapEntry,
  insertLines,
  removeLines,
  removeMapEntries,
  replaceScalar,
} from '../../src/lint/yaml-edits.ts';

const parse = (text: string) => parseDocument(text, { keepSourceTokens: true });
function scalarAt(text: string, path: (string | number)[]): Scalar {
  const n = parse(text).getIn(path, true);
  if (!isScalar(n)) throw new Error(`no scalar at ${path.join('.')}`);
  return n;
}

describe('replaceScalar: a comment written about the old value stays, marked as such', () => {
  it.each([
    ['no comment: only the value changes', 'a: false\n', ['a'], 'true', 'a: true\n'],
    ['a comment on the line', 'a: false # why?\n', ['a'], 'true', 'a: true # was false: why?\n'],
    ['a comment without a space after #', 'a: false #why\n', ['a'], 'true', 'a: true # was false: why\n'],
    [
      'the spacing before the comment kept',
      'a: false    # x\n',
      ['a'],
      'true',
      'a: true    # was false: x\n',
    ],
    [
      'a sequence item (the flag replaced by another)',
      'args:\n- --kubelet-insecure-tls # lab only\n',
      ['args', 0],
      '--kubelet-certificate-authority=/ca/ca.crt',
      'args:\n- --kubelet-certificate-authority=/ca/ca.crt # was --kubelet-insecure-tls: lab only\n',
    ],
    ['quoting kept, the old value as written', 'a: "x" # c\n', ['a'], 'y', 'a: "y" # was "x": c\n'],
    [
      'a comment on the next line is not about it',
      'a: false\n# about b\nb: 1\n',
      ['a'],
      'true',
      'a: true\n# about b\nb: 1\n',
    ],
    ['the same value: nothing to mark', 'a: true # c\n', ['a'], 'true', 'a: true # c\n'],
    [
      'a long old value (a caBundle) is named by its first 48 characters',
      `caBundle: ${'A'.repeat(60)} # rotated yearly\n`,
      ['caBundle'],
      'QkFE',
      `caBundle: QkFE # was ${'A'.repeat(48)}…: rotated yearly\n`,
    ],
  ])('%s', (_n, text, path, value, fixed) => {
    expect(applyEdits(text, [replaceScalar(scalarAt(text, path), value)])).toBe(fixed);
  });
});

describe('insertLines and removeLines: right with and without a final line break', () => {
  it.each([
    ['LF, at a line start', 'a: 1\nb: 2\n', 5, '\n', 'a: 1\nx: 0\nb: 2\n'],
    ['LF, at the end', 'a: 1\n', 5, '\n', 'a: 1\nx: 0\n'],
    ['LF, at the end of a text without a final break', 'a: 1', 4, '\n', 'a: 1\nx: 0'],
    ['CRLF, at the end of a text without a final break', 'a: 1', 4, '\r\n', 'a: 1\r\nx: 0'],
    ['an empty text', '', 0, '\n', 'x: 0\n'],
  ])('insert, %s', (_n, text, offset, eol, out) => {
    expect(applyEdits(text, [insertLines(text, offset, ['x: 0'], eol)])).toBe(out);
  });

  it.each([
    ['the middle line', 'a: 1\nb: 2\nc: 3\n', 5, 10, 'a: 1\nc: 3\n'],
    ['the last line, final break', 'a: 1\nb: 2\n', 5, 10, 'a: 1\n'],
    ['the last line, no final break: the break before it goes', 'a: 1\nb: 2', 5, 9, 'a: 1'],
    ['the last line, CRLF, no final break', 'a: 1\r\nb: 2', 6, 10, 'a: 1'],
  ])('remove, %s', (_n, text, from, to, out) => {
    expect(applyEdits(text, [removeLines(text, from, to)])).toBe(out);
  });

  it.each([
    ['with a final break', 'k: v\ntlsCertFile: /a\ntlsPrivateKeyFile: /b\n', 'k: v\n'],
    [
      'without: one edit, not two that overlap at the shared break',
      'k: v\ntlsCertFile: /a\ntlsPrivateKeyFile: /b',
      'k: v',
    ],
  ])('removeMapEntries removes adjacent entries in one edit, %s', (_n, text, out) => {
    const map = parse(text).contents as YAMLMap;
    const edits = removeMapEntries(text, map, ['tlsCertFile', 'tlsPrivateKeyFile']);
    expect(edits).toHaveLength(1);
    expect(applyEdits(text, edits)).toBe(out);
  });

  it('addMapEntry after a nested map that ends the text without a break', () => {
    const text = 'kind: KubeletConfiguration\nevictionHard:\n  memory.available: 1Gi';
    const map = parse(text).contents;
    if (!isMap(map)) throw new Error('not a map');
    const edit = addMapEntry(text, map, 'serverTLSBootstrap', 'true', '\n');
    expect(applyEdits(text, edit ? [edit] : [])).toBe(`${text}\nserverTLSBootstrap: true`);
  });
});
