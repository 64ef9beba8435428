import { type Check, quoteList } from '../check.ts';
import { fail, pass } from '../types.ts';

const ALLOWED = [
  ['digital signature', 'key encipherment', 'server auth'],
  ['digital signature', 'server auth'],
];

/** spec.usages is exactly a serving set: nothing for client auth, signing or CAs. */
export const usages: Check = {
  id: 'usages',
  run: ({ csr }) => {
    const got = [...new Set(csr.usages)].sort();
    const ok =
      got.length === csr.usages.length &&
      ALLOWED.some((set) => set.length === got.length && [...set].sort().every((u, i) => u === got[i]));
    return ok
      ? pass('usages', `usages are ${quoteList(csr.usages)}`)
      : fail(
          'usages',
          `usages ${quoteList(csr.usages)} are not a kubelet serving set ("digital signature", optionally "key encipherment", "server auth")`,
        );
  },
};
