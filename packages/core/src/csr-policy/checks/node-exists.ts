import type { Check } from '../check.ts';
import { fail, pass, requesterNode, skip } from '../types.ts';

/** The requester's Node object exists. Failing to list Nodes refuses: no approving blind. */
export const nodeExists: Check = {
  id: 'node-exists',
  run: ({ csr, nodes }) => {
    const name = requesterNode(csr);
    if (!name) return skip('node-exists', 'not evaluated: the requester is not a node');
    if (!nodes.ok)
      return fail('node-exists', `could not list Nodes (${nodes.error}); refusing to approve without them`);
    return nodes.value.some((n) => n.name === name)
      ? pass('node-exists', `Node ${name} exists`)
      : fail('node-exists', `Node ${name} does not exist`);
  },
};
