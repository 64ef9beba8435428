import { describe, expect, it } from 'vitest';
import { csrState, finalCondition, isPendingKubeletServing } from '../src/csr-policy/csr-state.ts';
import { KUBELET_SERVING_SIGNER } from '../src/csr-policy/types.ts';

type Conditions = { type: string; status?: string }[];
const CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client-kubelet';

describe('where a CSR is in its life: one definition for every command', () => {
  it.each<[string, string, Conditions, 'pending' | 'approved' | 'final', string | undefined, boolean]>([
    ['no condition: pending', KUBELET_SERVING_SIGNER, [], 'pending', undefined, true],
    [
      'Approved: decided, may still supersede',
      KUBELET_SERVING_SIGNER,
      [{ type: 'Approved', status: 'True' }],
      'approved',
      'Approved',
      false,
    ],
    ['Denied: final', KUBELET_SERVING_SIGNER, [{ type: 'Denied', status: 'True' }], 'final', 'Denied', false],
    [
      'Approved, then Failed at the signer: final',
      KUBELET_SERVING_SIGNER,
      [
        { type: 'Approved', status: 'True' },
        { type: 'Failed', status: 'True' },
      ],
      'final',
      'Approved',
      false,
    ],
    [
      'a condition whose status is False does not hold',
      KUBELET_SERVING_SIGNER,
      [{ type: 'Approved', status: 'False' }],
      'pending',
      undefined,
      true,
    ],
    [
      'a condition of another type leaves it pending',
      KUBELET_SERVING_SIGNER,
      [{ type: 'Reviewed', status: 'True' }],
      'pending',
      undefined,
      true,
    ],
    [
      'a condition without a status holds (as the API reads it)',
      KUBELET_SERVING_SIGNER,
      [{ type: 'Denied' }],
      'final',
      'Denied',
      false,
    ],
    ['another signer is never a pending kubelet-serving CSR', CLIENT_SIGNER, [], 'pending', undefined, false],
  ])('%s', (_, signerName, conditions, state, final, pendingServing) => {
    const csr = { signerName, conditions };
    expect(csrState(csr)).toBe(state);
    expect(finalCondition(csr)).toBe(final);
    expect(isPendingKubeletServing(csr)).toBe(pendingServing);
  });
});
