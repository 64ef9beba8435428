import { type CsrInfo, parseCsr, verifyCsrSignatures } from '../x509/csr.ts';
import { isPendingKubeletServing } from './csr-state.ts';
import { evaluate } from './evaluate.ts';
import type { CsrRequest, Decision, DnsAnswer, PolicyInput, PolicyOptions } from './types.ts';

/**
 * Each request object's parse, kept while the object lives: the approver parses a CSR to plan
 * (its node and SANs), then again to decide it, and a superseded one a third time.
 */
const parsedOnce = new WeakMap<CsrRequest, PolicyInput['parsed']>();

/** Decodes spec.request (base64 of PEM) and parses it, once per request object; a failure is kept as a reason. */
export function parseRequest(csr: CsrRequest): PolicyInput['parsed'] {
  let parsed = parsedOnce.get(csr);
  if (!parsed) {
    parsed = parseFresh(csr);
    parsedOnce.set(csr, parsed);
  }
  return parsed;
}

function parseFresh(csr: CsrRequest): PolicyInput['parsed'] {
  try {
    return { ok: true, value: parseCsr(Buffer.from(csr.request, 'base64').toString('latin1')) };
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
}

/**
 * Decides many CSRs at once: parses them, verifies their signatures (a large batch concurrently
 * in the threadpool, several times faster than one by one; a small one in-line, see
 * THREADPOOL_BATCH), then evaluates each.
 */
export async function decideAll(
  csrs: readonly CsrRequest[],
  nodes: PolicyInput['nodes'],
  options: PolicyOptions,
  dns?: Map<string, DnsAnswer>,
): Promise<Decision[]> {
  const parsed = csrs.map((c) =>
    // Cheap pre-filter: only pending kubelet-serving CSRs are worth parsing and verifying.
    isPendingKubeletServing(c) ? parseRequest(c) : ({ ok: false, error: 'not in scope' } as const),
  );
  const toVerify = parsed.flatMap((p, i) => (p.ok ? [{ i, csr: p.value }] : []));
  const verified = await verifyCsrSignatures(toVerify.map((v) => v.csr as CsrInfo));
  const valid = new Array<boolean>(csrs.length).fill(false);
  toVerify.forEach((v, k) => {
    valid[v.i] = verified[k] ?? false;
  });
  return csrs.map((csr, i) =>
    evaluate({
      csr,
      parsed: parsed[i] as PolicyInput['parsed'],
      signatureValid: valid[i] ?? false,
      nodes,
      dns,
      options,
    }),
  );
}
