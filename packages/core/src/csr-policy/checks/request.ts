import type { Check } from '../check.ts';
import { fail, pass } from '../types.ts';

/** spec.request must hold one valid PKCS#10 request. */
export const request: Check = {
  id: 'request',
  run: ({ parsed }) =>
    parsed.ok
      ? pass('request', 'spec.request is a valid PKCS#10 request')
      : fail('request', `spec.request is not a valid CSR: ${parsed.error}`),
};
