import { parseAllDocuments } from 'yaml';
import type { TextEdit } from '../../src/lint/types.ts';

/** Where `offset` of the original text lands after the edits (inserts at it go before it). */
function mapped(offset: number, edits: readonly TextEdit[]): number {
  let shift = 0;
  for (const e of edits) if (e.offset + e.length <= offset) shift += e.text.length - e.length;
  return offset + shift;
}

const overlaps = (edits: readonly TextEdit[], from: number, to: number) =>
  edits.some((e) => e.length > 0 && e.offset < to && e.offset + e.length > from);

/**
 * What must hold of any fix, as sentences naming what broke (empty when nothing did):
 * - outside its edits' ranges, `after` is `before` byte for byte;
 * - every line of `before` whose text no edit deletes from or inserts into is still in `after`, at its place, followed
 *   by a line break of the file's style or the end of the text, unless an edit replaced its line
 *   break (an insert glued to the end of a line, as in `memory.available: 1GiserverTLSBootstrap:
 *   true`, breaks this);
 * - `after` has one line-break style, that of `before`, and ends with a line break exactly when
 *   `before` does;
 * - `after` parses as YAML without errors.
 */
export function fixViolations(before: string, edits: readonly TextEdit[], after: string): string[] {
  const out: string[] = [];
  // Outside its edits, the fixed text is the original byte for byte, in order.
  const sorted = [...edits].sort((a, b) => a.offset - b.offset);
  let from = 0;
  let at = 0;
  for (const e of [...sorted, { offset: before.length, length: 0, text: '' }]) {
    const kept = before.slice(from, e.offset);
    if (after.slice(at, at + kept.length) !== kept)
      out.push(`the text between offsets ${from} and ${e.offset} changed`);
    at += kept.length + e.text.length;
    from = e.offset + e.length;
  }
  if (at !== after.length) out.push('the fixed text has bytes no edit accounts for');
  const eol = before.includes('\r\n') ? '\r\n' : '\n';
  for (const m of before.matchAll(/[^\r\n]*(\r?\n|$)/g)) {
    const [line, terminator = ''] = m;
    if (line === '') break;
    const start = m.index;
    const contentEnd = start + line.length - terminator.length;
    // A line an edit deletes from, or inserts into (a flow list's new item), is the edit's own.
    if (overlaps(edits, start, contentEnd) || edits.some((e) => e.offset > start && e.offset < contentEnd))
      continue;
    const at = mapped(start, edits);
    const content = before.slice(start, contentEnd);
    const next = after.slice(at + content.length, at + content.length + eol.length);
    if (after.slice(at, at + content.length) !== content)
      out.push(`line "${content}" is no longer at its place`);
    // An edit that replaces the line break may continue the line (`args:` becoming `args: []`).
    else if (next !== eol && next !== '' && !overlaps(edits, contentEnd, contentEnd + terminator.length))
      out.push(`line "${content}" is followed by ${JSON.stringify(next)}, not a line break`);
  }
  const foreign = eol === '\n' ? /\r/ : /\r(?!\n)|(?<!\r)\n/;
  if (foreign.test(after)) out.push('the fixed text mixes line-break styles');
  if (before.length > 0 && after.endsWith('\n') !== before.endsWith('\n'))
    out.push(before.endsWith('\n') ? 'the final line break is lost' : 'a final line break was added');
  const errors = parseAllDocuments(after).flatMap((d) => ('errors' in d ? d.errors : []));
  if (errors.length > 0) out.push(`the fixed text does not parse: ${errors[0]?.message.split('\n')[0]}`);
  return out;
}
