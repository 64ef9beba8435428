import { type CsrRequest, KUBELET_SERVING_SIGNER } from './types.ts';

/** The conditions that end a CSR's life: once one holds, nobody decides it again. */
export const FINAL_CONDITIONS: readonly string[] = ['Approved', 'Denied', 'Failed'];

/** The final condition that holds (status other than False: the API writes True), if any. */
export function finalCondition(csr: Pick<CsrRequest, 'conditions'>): string | undefined {
  return csr.conditions.find((c) => FINAL_CONDITIONS.includes(c.type) && c.status !== 'False')?.type;
}

/** Where a CSR is in its life: Approved (it may still supersede older ones), Denied or Failed, or pending. */
export function csrState(csr: Pick<CsrRequest, 'conditions'>): 'pending' | 'approved' | 'final' {
  const held = csr.conditions.filter((c) => c.status !== 'False').map((c) => c.type);
  if (held.includes('Denied') || held.includes('Failed')) return 'final';
  return held.includes('Approved') ? 'approved' : 'pending';
}

/** "A pending kubelet-serving CSR": what approve-serving, the approver and inspect-kubelet look at. */
export function isPendingKubeletServing(csr: Pick<CsrRequest, 'signerName' | 'conditions'>): boolean {
  return csr.signerName === KUBELET_SERVING_SIGNER && finalCondition(csr) === undefined;
}
