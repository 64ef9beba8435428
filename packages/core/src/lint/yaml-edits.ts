import { isMap, isScalar, isSeq, type Node, type Scalar, type YAMLMap, type YAMLSeq } from 'yaml';
import { columnOf, lineStart, nextLineStart } from './source-text.ts';
import type { TextEdit } from './types.ts';

/** Replaces a scalar's source with `value`, keeping its quoting style. */
export function replaceScalar(node: Scalar, value: string): TextEdit {
  const [start, end] = node.range ?? [0, 0];
  const quoted =
    node.type === 'QUOTE_DOUBLE'
      ? JSON.stringify(value)
      : node.type === 'QUOTE_SINGLE'
        ? `'${value.replaceAll("'", "''")}'`
        : value;
  return { offset: start, length: end - start, text: quoted };
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
    return { offset: from, length: lineEnd - from, text: '' };
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

/** Lines of YAML (relative indentation) placed at `indent`, ending with `eol`. */
function block(lines: string[], indent: string, eol: string): string {
  return lines.map((l) => `${indent}${l}${eol}`).join('');
}

/**
 * Appends an item to the block sequence at `key` of `map`, or adds the key with a one-item
 * sequence when it is absent. Returns undefined for flow style, which we do not rewrite.
 */
export function appendToSeqOrAdd(
  text: string,
  map: YAMLMap,
  key: string,
  itemLines: string[],
  eol: string,
): TextEdit | undefined {
  if (map.flow) return undefined;
  const existing = map.get(key, true);
  if (isSeq(existing)) {
    if (existing.flow || existing.items.length === 0) return undefined;
    const firstItem = existing.items[0] as Node;
    const itemCol = columnOf(text, firstItem.range?.[0] ?? 0);
    // The item's own text may start with "-" (a flag): its dash is before it.
    const dashCol =
      text.lastIndexOf('-', (firstItem.range?.[0] ?? 0) - 1) - lineStart(text, firstItem.range?.[0] ?? 0);
    const dashPrefix = `${' '.repeat(dashCol)}-${' '.repeat(itemCol - dashCol - 1)}`;
    const [head = '', ...rest] = itemLines;
    const lines = [`${dashPrefix}${head}`, ...rest.map((l) => `${' '.repeat(itemCol)}${l}`)];
    return { offset: afterNode(text, existing), length: 0, text: lines.map((l) => `${l}${eol}`).join('') };
  }
  if (existing !== undefined) return undefined;
  const indent = keyIndent(text, map);
  const [head = '', ...rest] = itemLines;
  return {
    offset: afterNode(text, map),
    length: 0,
    text: block([`${key}:`, `- ${head}`, ...rest.map((l) => `  ${l}`)], indent, eol),
  };
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
  return { offset: afterNode(text, map), length: 0, text: `${keyIndent(text, map)}${key}: ${value}${eol}` };
}

/** Removes a `key: value` entry of a block map (its lines). */
export function removeMapEntry(text: string, map: YAMLMap, key: string): TextEdit | undefined {
  const pair = map.items.find((p) => isScalar(p.key) && p.key.value === key);
  const k = pair?.key as Node | undefined;
  const v = pair?.value as Node | undefined;
  if (!k?.range || map.flow) return undefined;
  const from = lineStart(text, k.range[0]);
  const end = v?.range?.[1] ?? k.range[1];
  return { offset: from, length: nextLineStart(text, Math.max(end - 1, 0)) - from, text: '' };
}

export function isBlockMap(n: unknown): n is YAMLMap {
  return isMap(n) && !n.flow;
}
