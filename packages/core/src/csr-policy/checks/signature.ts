import type { Check } from '../check.ts';
import { isResult, parsedOr } from '../check.ts';
import { fail, pass } from '../types.ts';

/** The request is signed by its own key: whoever filed it holds that key. */
export const signature: Check = {
  id: 'signature',
  run: (input) => {
    const csr = parsedOr(input, 'signature');
    if (isResult(csr)) return csr;
    return input.signatureValid
      ? pass('signature', "the request's signature verifies with its public key")
      : fail('signature', "the request's signature does not verify with its public key");
  },
};
