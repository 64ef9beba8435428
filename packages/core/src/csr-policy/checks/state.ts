import type { Check } from '../check.ts';
import { finalCondition } from '../csr-state.ts';
import { fail, pass } from '../types.ts';

/** A CSR that was already decided (or failed at the signer) is left as it is. */
export const state: Check = {
  id: 'state',
  gate: true,
  run: ({ csr }) => {
    const done = finalCondition(csr);
    return done ? fail('state', `already ${done}: nothing to decide`) : pass('state', 'pending');
  },
};
