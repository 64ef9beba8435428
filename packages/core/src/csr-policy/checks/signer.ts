import type { Check } from '../check.ts';
import { fail, KUBELET_SERVING_SIGNER, pass } from '../types.ts';

/** Only kubelet-serving CSRs are ours: others are left untouched, not even denied. */
export const signer: Check = {
  id: 'signer',
  gate: true,
  run: ({ csr }) =>
    csr.signerName === KUBELET_SERVING_SIGNER
      ? pass('signer', `signer is ${KUBELET_SERVING_SIGNER}`)
      : fail(
          'signer',
          `signer is ${csr.signerName || '(none)'}, not ${KUBELET_SERVING_SIGNER}: not ours to decide`,
        ),
};
