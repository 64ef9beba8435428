import type { Check } from '../check.ts';
import { fail, pass, requesterNode, skip } from '../types.ts';

// A batch decides thousands of CSRs with the same pattern: anchor it once.
const anchoredCache = new WeakMap<RegExp, RegExp>();
function anchored(re: RegExp): RegExp {
  let full = anchoredCache.get(re);
  if (!full) {
    full = new RegExp(`^(?:${re.source})$`, re.flags.replace('g', ''));
    anchoredCache.set(re, full);
  }
  return full;
}

/** --node-name-pattern (kubelet-csr-approver's providerRegex): the whole node name must match. */
export const nodeNamePattern: Check = {
  id: 'node-name-pattern',
  run: ({ csr, options }) => {
    const re = options.nodeNamePattern;
    if (!re) return skip('node-name-pattern', 'no --node-name-pattern set');
    const name = requesterNode(csr);
    if (!name) return skip('node-name-pattern', 'not evaluated: the requester is not a node');
    const full = anchored(re);
    return full.test(name)
      ? pass('node-name-pattern', `node name ${name} matches /${re.source}/`)
      : fail('node-name-pattern', `node name ${name} does not match --node-name-pattern /${re.source}/`);
  },
};
