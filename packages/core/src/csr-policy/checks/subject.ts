import type { Check } from '../check.ts';
import { isResult, parsedOr } from '../check.ts';
import { fail, NODES_GROUP, pass } from '../types.ts';

/** Code points outside printable ASCII, named, e.g. "U+043E" (a Cyrillic o that looks like "o"). */
function nonAscii(s: string): string[] {
  return [...s]
    .filter((c) => c < ' ' || c > '~')
    .map((c) => `U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`);
}

/** CN equals the requester exactly (byte for byte), O is exactly [system:nodes], nothing else. */
export const subject: Check = {
  id: 'subject',
  run: (input) => {
    const csr = parsedOr(input, 'subject');
    if (isResult(csr)) return csr;
    const { commonNames, organizations, attributes } = csr.subject;
    const want = input.csr.username;
    if (commonNames.length !== 1)
      return fail(
        'subject',
        `the subject has ${commonNames.length} CNs; exactly one ("${want}") is required`,
      );
    const cn = commonNames[0] as string;
    if (cn !== want) {
      const odd = nonAscii(cn);
      const hint = odd.length ? ` (it contains look-alike or invisible characters: ${odd.join(', ')})` : '';
      return fail('subject', `subject CN "${cn}" is not the requester "${want}"${hint}`);
    }
    if (organizations.length !== 1 || organizations[0] !== NODES_GROUP) {
      return fail(
        'subject',
        `subject O is [${organizations.join(', ')}]; it must be exactly [${NODES_GROUP}]`,
      );
    }
    const extra = attributes.filter((a) => a.type !== 'CN' && a.type !== 'O');
    if (extra.length)
      return fail(
        'subject',
        `the subject has other attributes: ${extra.map((a) => `${a.type}=${a.value}`).join(', ')}`,
      );
    return pass('subject', `subject is CN=${cn}, O=${NODES_GROUP}`);
  },
};
