import type { Check } from '../check.ts';
import { fail, NODES_GROUP, pass, requesterNode } from '../types.ts';

/** The CSR must be filed by a node identity: system:node:<name> in the system:nodes group. */
export const requester: Check = {
  id: 'requester',
  run: ({ csr }) => {
    const node = requesterNode(csr);
    if (!node)
      return fail('requester', `filed by "${csr.username}", not by a node identity (system:node:<name>)`);
    if (!csr.groups.includes(NODES_GROUP))
      return fail('requester', `requester ${csr.username} is not in the ${NODES_GROUP} group`);
    return pass('requester', `filed by node ${node}`);
  },
};
