import { type CST, isScalar, isSeq, type Node, type Scalar, type YAMLMap, type YAMLSeq } from 'yaml';
import { columnOf, lineStart, nextLineStart } from './source-text.ts';
import type { TextEdit } from './types.ts';

const MARKED_VALUE_MAX = 48;

/** The comment on a scalar's own line, after it, from the parser's tokens (offsets into the text). */
function lineComment(node: Scalar): { offset: number; source: string; before: string } | undefined {
  const end = (node.srcToken as { end?: CST.SourceToken[] } | undefined)?.end ?? [];
  let before = '';
  for (const t of end) {
    if (t.type === 'comment') return { offset: t.offset, source: t.source, before };
    if (t.type !== 'space') return undefined;
    before += t.source;
  }
  return undefined;
}

/**
 * Replaces a scalar's source with `value`, keeping its quoting style. A comment on its line was
 * written about the old value: it stays (it is the user's text), marked as such
 * (`--kubelet-certificate-authority=... # was --kubelet-insecure-tls: lab only`).
 */
export function replaceScalar(node: Scalar, value: string): TextEdit {
  const [start, end] = node.range ?? [0, 0];
  const quoted =
    node.type === 'QUOTE_DOUBLE'
      ? JSON.stringify(value)
      : node.type === 'QUOTE_SINGLE'
        ? `'${value.replaceAll("'", "''")}'`
        : value;
  const comment = lineComment(node);
  const old = (node.srcToken as { source?: string } | undefined)?.source;
  if (!comment || old === undefined || old === quoted)
    return { offset: start, length: end - start, text: quoted };
  const space = comment.source.startsWith('# ') ? '' : ' ';
  // A long old value (a caBundle's base64) is named by its start, enough to tell what it was.
  const was = old.length > MARKED_VALUE_MAX ? `${old.slice(0, MARKED_VALUE_MAX)}…` : old;
  return {
    offset: start,
    length: comment.offset + 1 - start,
    text: `${quoted}${comment.before}# was ${was}:${space}`,
  };
}

/** The text ends without a line break: what goes after its last line must bring its own. */
function endsWithoutBreak(text: string, offset: number): boolean {
  return offset === text.length && text.length > 0 && !text.endsWith('\n');
}

/**
 * The edit that inserts whole lines at `offset`, a line start or the end of the text. At the end
 * of a text without a final line break the lines go after a break of their own and the text still
 * ends without one, so the last line is never glued to the first inserted one.
 */
export function insertLines(text: string, offset: number, lines: readonly string[], eol: string): TextEdit {
  const inserted = endsWithoutBreak(text, offset)
    ? lines.map((l) => `${eol}${l}`).join('')
    : lines.map((l) => `${l}${eol}`).join('');
  return { offset, length: 0, text: inserted };
}

/**
 * The edit that removes the whole lines from `from` (a line start) to `to` (just past a line
 * break, or the end of the text). When they are the text's last lines and it has no final line
 * break, the break before them goes instead, so the text still ends without one.
 */
export function removeLines(text: string, from: number, to: number): TextEdit {
  if (from > 0 && endsWithoutBreak(text, to)) {
    const breakAt = text[from - 2] === '\r' ? from - 2 : from - 1;
    return { offset: breakAt, length: to - breakAt, text: '' };
  }
  return { offset: from, length: to - from, text: '' };
}

/** Removes one item of a sequence: its whole line in block style, the item and a comma in flow style. */
export function removeSeqItem(text: string, seq: YAMLSeq, index: number): TextEdit {
  const item = seq.items[index] as Node;
  const [start, end] = item.range ?? [0, 0];
  if (!seq.flow) {
    const from = lineStart(text, start);
    const lineEnd = nextLineStart(text, end - 1);
    if (seq.items.length === 1) {
      // The last item: leave an empty list ("args: []"), not a key whose value is now null.
      const before = text.slice(0, from).replace(/\r?\n$/, '');
      if (/:[ \t]*$/.test(before)) {
        const colon = before.lastIndexOf(':') + 1;
        const eolAt = text.slice(0, lineEnd).replace(/\r?\n$/, '').length;
        return { offset: colon, length: eolAt - colon, text: ' []' };
      }
    }
    return removeLines(text, from, lineEnd);
  }
  const next = seq.items[index + 1] as Node | undefined;
  const prev = seq.items[index - 1] as Node | undefined;
  if (next?.range) return { offset: start, length: next.range[0] - start, text: '' };
  if (prev?.range) return { offset: prev.range[1], length: end - prev.range[1], text: '' };
  return { offset: start, length: end - start, text: '' };
}

/** Indentation (spaces) of a block map's keys. */
function keyIndent(text: string, map: YAMLMap): string {
  const first = map.items[0]?.key as Node | undefined;
  return ' '.repeat(columnOf(text, first?.range?.[0] ?? 0));
}

/** Offset just past the last line of a block node (where a sibling line can be inserted). */
function afterNode(text: string, node: Node): number {
  const end = node.range?.[1] ?? text.length;
  return nextLineStart(text, Math.max(end - 1, 0));
}

/**
 * Appends `text` (flow YAML) as the last item of a flow sequence or map, after a comma (`[a]` →
 * `[a, text]`, `[]` → `[text]`), on the line of the last item, before any comment.
 */
function appendToFlow(coll: YAMLSeq | YAMLMap, text: string): TextEdit | undefined {
  const last = coll.items.at(-1) as Node | { key: Node; value: Node | null } | undefined;
  const node = (last && 'key' in last ? (last.value ?? last.key) : last) as Node | undefined;
  if (node?.range) return { offset: node.range[1], length: 0, text: `, ${text}` };
  const open = coll.range?.[0];
  return open === undefined ? undefined : { offset: open + 1, length: 0, text };
}

/**
 * Appends an item to the sequence at `key` of `map`, or adds the key with a one-item sequence
 * when it is absent: as block lines (`itemLines`), or as flow text (`flowItem`) where the
 * sequence, or the map that gets the key, is in flow style. Undefined for flow style when no
 * `flowItem` is given.
 */
export function appendToSeqOrAdd(
  text: string,
  map: YAMLMap,
  key: string,
  itemLines: string[],
  eol: string,
  flowItem?: string,
): TextEdit | undefined {
  const existing = map.get(key, true);
  if (isSeq(existing) && (existing.flow || existing.items.length === 0))
    return flowItem === undefined ? undefined : appendToFlow(existing, flowItem);
  if (map.flow)
    return flowItem === undefined || existing !== undefined
      ? undefined
      : appendToFlow(map, `${key}: [${flowItem}]`);
  if (isSeq(existing)) {
    const firstItem = existing.items[0] as Node;
    const itemCol = columnOf(text, firstItem.range?.[0] ?? 0);
    // The item's own text may start with "-" (a flag): its dash is before it.
    const dashCol =
      text.lastIndexOf('-', (firstItem.range?.[0] ?? 0) - 1) - lineStart(text, firstItem.range?.[0] ?? 0);
    const dashPrefix = `${' '.repeat(dashCol)}-${' '.repeat(itemCol - dashCol - 1)}`;
    const [head = '', ...rest] = itemLines;
    const lines = [`${dashPrefix}${head}`, ...rest.map((l) => `${' '.repeat(itemCol)}${l}`)];
    return insertLines(text, afterNode(text, existing), lines, eol);
  }
  if (existing !== undefined) return undefined;
  const indent = keyIndent(text, map);
  const [head = '', ...rest] = itemLines;
  const lines = [`${key}:`, `- ${head}`, ...rest.map((l) => `  ${l}`)];
  return insertLines(
    text,
    afterNode(text, map),
    lines.map((l) => `${indent}${l}`),
    eol,
  );
}

/** Adds `key: value` as the last entry of a block map (the value already rendered). */
export function addMapEntry(
  text: string,
  map: YAMLMap,
  key: string,
  value: string,
  eol: string,
): TextEdit | undefined {
  if (map.flow) return undefined;
  return insertLines(text, afterNode(text, map), [`${keyIndent(text, map)}${key}: ${value}`], eol);
}

/**
 * Adds `key: value` on the line after the entry `after` of a block map (the last line of its
 * value), so that a variable lands next to the ones it belongs with; at the end of the map when
 * `after` is absent.
 */
export function addMapEntryAfter(
  text: string,
  map: YAMLMap,
  after: string,
  key: string,
  value: string,
  eol: string,
): TextEdit | undefined {
  if (map.flow) return undefined;
  const pair = map.items.find((p) => isScalar(p.key) && p.key.value === after);
  const anchor = (pair?.value ?? pair?.key) as Node | undefined;
  if (!anchor?.range) return addMapEntry(text, map, key, value, eol);
  return insertLines(text, afterNode(text, anchor), [`${keyIndent(text, map)}${key}: ${value}`], eol);
}

/** Removes a `key: value` entry of a block map (its lines). */
export function removeMapEntry(text: string, map: YAMLMap, key: string): TextEdit | undefined {
  const [edit] = removeMapEntries(text, map, [key]);
  return edit;
}

/**
 * Removes the `key: value` entries of a block map that are present (their lines), entries on
 * adjacent lines in one edit: separate edits would overlap at the line break they share when the
 * last of them ends the text.
 */
export function removeMapEntries(text: string, map: YAMLMap, keys: readonly string[]): TextEdit[] {
  if (map.flow) return [];
  const spans = map.items
    .filter((p) => isScalar(p.key) && keys.includes(String(p.key.value)) && (p.key as Node).range)
    .map((p) => {
      const from = lineStart(text, (p.key as Node).range?.[0] ?? 0);
      const end = (p.value as Node | null)?.range?.[1] ?? (p.key as Node).range?.[1] ?? from;
      return [from, nextLineStart(text, Math.max(end - 1, 0))] as [number, number];
    })
    .sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const span of spans) {
    const last = merged.at(-1);
    if (last && span[0] <= last[1]) last[1] = Math.max(last[1], span[1]);
    else merged.push(span);
  }
  return merged.map(([from, to]) => removeLines(text, from, to));
}
