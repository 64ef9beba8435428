import type { Check } from '../check.ts';
import { fail, pass } from '../types.ts';

const FINAL = ['Approved', 'Denied', 'Failed'];

/** A CSR that was already decided (or failed at the signer) is left as it is. */
export const state: Check = {
  id: 'state',
  gate: true,
  run: ({ csr }) => {
    const done = csr.conditions.find((c) => FINAL.includes(c.type) && c.status !== 'False');
    return done ? fail('state', `already ${done.type}: nothing to decide`) : pass('state', 'pending');
  },
};
