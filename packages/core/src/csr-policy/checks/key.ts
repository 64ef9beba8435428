import { formatPublicKey } from '../../x509/public-key.ts';
import type { Check } from '../check.ts';
import { isResult, parsedOr } from '../check.ts';
import { fail, pass } from '../types.ts';

/** RSA of at least 2048 bits, ECDSA P-256 or P-384, or Ed25519. */
export const key: Check = {
  id: 'key',
  run: (input) => {
    const csr = parsedOr(input, 'key');
    if (isResult(csr)) return csr;
    const k = csr.publicKey;
    const ok =
      (k.algorithm === 'RSA' && (k.bits ?? 0) >= 2048) ||
      (k.algorithm === 'ECDSA' && (k.curve === 'P-256' || k.curve === 'P-384')) ||
      k.algorithm === 'Ed25519';
    return ok
      ? pass('key', `${formatPublicKey(k)} key`)
      : fail('key', `${formatPublicKey(k)} key is not allowed (RSA >= 2048, ECDSA P-256/P-384 or Ed25519)`);
  },
};
