import type { TextEdit } from './types.ts';

/**
 * Applies non-overlapping edits to the original text. Edits at the same offset keep their order
 * (a container's lines before the pod's, when both are appended at one place).
 */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const sorted = edits.map((e, i) => ({ e, i })).sort((a, b) => a.e.offset - b.e.offset || a.i - b.i);
  let out = '';
  let at = 0;
  for (const { e } of sorted) {
    if (e.offset < at) throw new Error(`overlapping edits at offset ${e.offset}`);
    out += text.slice(at, e.offset) + e.text;
    at = e.offset + e.length;
  }
  return out + text.slice(at);
}
