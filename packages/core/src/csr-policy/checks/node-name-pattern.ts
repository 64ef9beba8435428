import type { Check } from '../check.ts';
import { fail, pass, requesterNode, skip } from '../types.ts';

/** --node-name-pattern (kubelet-csr-approver's providerRegex): the whole node name must match. */
export const nodeNamePattern: Check = {
  id: 'node-name-pattern',
  run: ({ csr, options }) => {
    const re = options.nodeNamePattern;
    if (!re) return skip('node-name-pattern', 'no --node-name-pattern set');
    const name = requesterNode(csr);
    if (!name) return skip('node-name-pattern', 'not evaluated: the requester is not a node');
    const full = new RegExp(`^(?:${re.source})$`, re.flags.replace('g', ''));
    return full.test(name)
      ? pass('node-name-pattern', `node name ${name} matches /${re.source}/`)
      : fail('node-name-pattern', `node name ${name} does not match --node-name-pattern /${re.source}/`);
  },
};
