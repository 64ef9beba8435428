import { type Document, LineCounter, parseAllDocuments, type Scalar } from 'yaml';
import { nextLineStart, textRange } from './source-text.ts';
import type { Finding, TextEdit } from './types.ts';
import { insertLines, removeLines } from './yaml-edits.ts';

/** A YAML document written as a string inside another one (Argo CD helm.values, an inline patch). */
export interface EmbeddedYaml {
  /** The string's value: the text the inner documents' ranges refer to. */
  text: string;
  docs: Document.Parsed[];
  lineCounter: LineCounter;
  node: Scalar;
  /** The text the string is written in (the ranges of `node` refer to it). */
  outer: string;
  /** How the value's lines sit in the outer text; undefined when they cannot be mapped exactly. */
  lines: BlockLines | undefined;
}

/** A literal block scalar's lines: each value line is an outer line minus the same indentation. */
interface BlockLines {
  innerStarts: number[];
  outerStarts: number[];
  indent: number;
}

/** Parses a string node as YAML; undefined when it is no string or not valid YAML. */
export function parseEmbedded(outer: string, node: Scalar): EmbeddedYaml | undefined {
  if (typeof node.value !== 'string') return undefined;
  // A value without a final line break (`|-`) gets one: edits then insert whole lines after its
  // last line, where the outer block's next line starts.
  const text = node.value.endsWith('\n') ? node.value : `${node.value}\n`;
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { keepSourceTokens: true, lineCounter, prettyErrors: false });
  if (!Array.isArray(docs) || docs.some((d) => d.errors.length > 0)) return undefined;
  return { text, docs, lineCounter, node, outer, lines: blockLines(outer, node, text) };
}

/**
 * The line map of a literal block scalar (`|`, `|-`, `|+`): every non-empty value line must be its
 * outer line minus one common indentation. Folded and quoted strings (whose lines are joined or
 * escaped) have none.
 */
function blockLines(outer: string, node: Scalar, value: string): BlockLines | undefined {
  if (node.type !== 'BLOCK_LITERAL' || !node.range) return undefined;
  const lines = value.split('\n');
  const innerStarts: number[] = [];
  const outerStarts: number[] = [];
  let pos = nextLineStart(outer, node.range[0]);
  let inner = 0;
  let indent: number | undefined;
  for (const [i, line] of lines.entries()) {
    innerStarts.push(inner);
    outerStarts.push(pos);
    inner += line.length + 1;
    if (i === lines.length - 1 && line === '') break; // after the final line break
    const outerLine = outer.slice(pos, nextLineStart(outer, pos)).replace(/\r?\n$/, '');
    if (line !== '') {
      indent ??= outerLine.length - line.length;
      if (indent < 0 || outerLine.slice(indent) !== line || outerLine.slice(0, indent).trim() !== '')
        return undefined;
    } else if (outerLine.trim() !== '') return undefined;
    pos = nextLineStart(outer, pos);
  }
  return indent === undefined ? undefined : { innerStarts, outerStarts, indent };
}

function lineIndex(starts: number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((starts[mid] ?? 0) <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * An inner offset in the outer text. At a line's start, `beforeIndent` gives the outer line's
 * start (where an edit inserts or removes whole lines), otherwise the first character after the
 * indentation (where a finding starts).
 */
function toOuter(b: BlockLines, offset: number, beforeIndent: boolean, innerText: string): number {
  const k = lineIndex(b.innerStarts, offset);
  const col = offset - (b.innerStarts[k] ?? 0);
  const lineStart = b.outerStarts[k] ?? 0;
  const empty = innerText[offset] === '\n' || offset >= innerText.length;
  if (col === 0 && (beforeIndent || empty)) return lineStart;
  return lineStart + b.indent + col;
}

const atLineStart = (text: string, offset: number) => offset === 0 || text[offset - 1] === '\n';

/**
 * An inner edit as an outer one: its lines indented as the block's, in the outer line ending.
 * Undefined when the edit ends at a line start with text that would join the next line (no
 * outer edit gives that result).
 */
function editToOuter(b: BlockLines, e: TextEdit, inner: string, eol: string): TextEdit | undefined {
  const end = e.offset + e.length;
  const startsLine = atLineStart(inner, e.offset);
  const endsLine = atLineStart(inner, end);
  const parts = e.text.split('\n');
  const last = parts.length - 1;
  if (endsLine && (parts[last] ?? '') !== '') return undefined;
  const pad = ' '.repeat(b.indent);
  const text = parts
    .map((p, i) => {
      const startsOuterLine = i > 0 || startsLine;
      // The last part runs on into the rest of the line the edit ends in, when it ends mid-line.
      const continues = i === last && !endsLine;
      return startsOuterLine && (p !== '' || continues) ? pad + p : p;
    })
    .join(eol);
  const from = toOuter(b, e.offset, true, inner);
  const to = toOuter(b, end, true, inner);
  return { offset: from, length: to - from, text };
}

/**
 * An outer edit that ends at the end of an outer text without a final line break, where the
 * block's last line is the file's last. The inner text always ends with a line break (parseEmbedded
 * gives it one), so whole-line edits there bring or leave one; here they go through the same line
 * helpers as every other fix, and the text still ends without one.
 */
function keepNoFinalBreak(outer: string, e: TextEdit, eol: string): TextEdit {
  const end = e.offset + e.length;
  if (outer === '' || outer.endsWith('\n') || end !== outer.length) return e;
  if (e.text === '')
    return e.length > 0 && atLineStart(outer, e.offset) ? removeLines(outer, e.offset, end) : e;
  if (!e.text.endsWith(eol)) return e;
  const text = e.text.slice(0, -eol.length);
  return e.length === 0 ? insertLines(outer, e.offset, text.split(eol), eol) : { ...e, text };
}

/**
 * A finding on an embedded document, moved into the outer text: its range mapped line by line, its
 * fixes kept only when every edit maps exactly (`outerEdits`, already in the outer text, are kept
 * as they are). Without a line map the finding covers the whole string, without fixes.
 */
export function findingInOuter(
  f: Finding,
  e: EmbeddedYaml,
  outerLineCounter: LineCounter,
  eol: string,
  outerEdits?: TextEdit[],
): Finding {
  const b = e.lines;
  if (!b) {
    const [start, end] = e.node.range ?? [0, 0];
    return { ...f, range: textRange(outerLineCounter, start, end), fixes: [] };
  }
  const start = toOuter(b, f.range.start, false, e.text);
  const end = Math.max(start, toOuter(b, f.range.end, false, e.text));
  const fixes = f.fixes.flatMap((fix) => {
    if (outerEdits && fix.edits === outerEdits) return [fix];
    const edits = fix.edits.map((x) => editToOuter(b, x, e.text, eol));
    if (!edits.every((x) => x !== undefined)) return [];
    return [{ ...fix, edits: edits.map((x) => keepNoFinalBreak(e.outer, x, eol)) }];
  });
  return { ...f, range: textRange(outerLineCounter, start, end), fixes };
}
