import type { Check } from '../check.ts';
import { fail, pass, skip } from '../types.ts';

/** --max-expiration: a requested spec.expirationSeconds may not exceed it. */
export const expiration: Check = {
  id: 'expiration',
  run: ({ csr, options }) => {
    const max = options.maxExpirationSeconds;
    if (max === undefined) return skip('expiration', 'no --max-expiration set');
    if (csr.expirationSeconds === undefined)
      return pass('expiration', "no expirationSeconds requested: the signer's duration applies");
    return csr.expirationSeconds <= max
      ? pass('expiration', `requested lifetime ${csr.expirationSeconds}s is within ${max}s`)
      : fail('expiration', `requested lifetime ${csr.expirationSeconds}s exceeds --max-expiration ${max}s`);
  },
};
