import { type Document, LineCounter, parseAllDocuments } from 'yaml';
import type { Finding, TextRange } from './types.ts';

/** One stretch of a file between document markers, parsed on its own. */
export interface Chunk {
  /** Where the chunk starts in the file, as an offset and as the number of lines before it. */
  offset: number;
  lines: number;
  text: string;
  docs: Document.Parsed[];
  lineCounter: LineCounter;
}

/** A line that starts with "---" is always a document marker (YAML forbids it inside any scalar). */
const DOCUMENT_MARKER = /^---(?=[ \t\r\n]|$)/gm;

/**
 * Parsed chunks of the last text, so that an editor re-parses only the documents an edit touched:
 * a 10,000-line manifest of many documents then costs one document's parse per keystroke.
 */
export class ParseCache {
  private chunks = new Map<string, Omit<Chunk, 'offset' | 'lines'>>();

  parse(text: string): Chunk[] {
    const next = new Map<string, Omit<Chunk, 'offset' | 'lines'>>();
    const chunks = split(text).map(({ offset, lines, text: part }) => {
      const parsed = this.chunks.get(part) ?? next.get(part) ?? parseChunk(part);
      next.set(part, parsed);
      return { offset, lines, ...parsed };
    });
    this.chunks = next;
    return chunks;
  }
}

/** The file's documents in chunks (through the cache when one is given). */
export function parseFile(text: string, cache?: ParseCache): Chunk[] {
  return cache ? cache.parse(text) : split(text).map((c) => ({ ...c, ...parseChunk(c.text) }));
}

function parseChunk(text: string): Omit<Chunk, 'offset' | 'lines'> {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { keepSourceTokens: true, lineCounter, prettyErrors: false });
  return { text, docs: Array.isArray(docs) ? docs : [], lineCounter };
}

/**
 * Cuts the text before every document marker. A file with directives (%YAML, %TAG) stays whole,
 * because a directive belongs to the document after it.
 */
function split(text: string): { offset: number; lines: number; text: string }[] {
  const starts = [0];
  if (!/^%/m.test(text))
    for (const m of text.matchAll(DOCUMENT_MARKER)) if (m.index > 0) starts.push(m.index);
  let lines = 0;
  return starts.map((offset, i) => {
    const part = text.slice(offset, starts[i + 1] ?? text.length);
    const chunk = { offset, lines, text: part };
    lines += countLines(part);
    return chunk;
  });
}

function countLines(s: string): number {
  let n = 0;
  for (let i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', i + 1)) n++;
  return n;
}

/** A range computed inside a chunk, moved to where the chunk sits in the file. */
export function inFile(r: TextRange, c: Pick<Chunk, 'offset' | 'lines'>): TextRange {
  return {
    start: r.start + c.offset,
    end: r.end + c.offset,
    startLine: r.startLine + c.lines,
    startColumn: r.startColumn,
    endLine: r.endLine + c.lines,
    endColumn: r.endColumn,
  };
}

/** A finding (its range and its fixes' edits) moved from its chunk to the file. */
export function findingInFile(f: Finding, c: Pick<Chunk, 'offset' | 'lines'>): Finding {
  if (c.offset === 0) return f;
  return {
    ...f,
    range: inFile(f.range, c),
    fixes: f.fixes.map((fix) => ({
      ...fix,
      edits: fix.edits.map((e) => ({ ...e, offset: e.offset + c.offset })),
    })),
  };
}
