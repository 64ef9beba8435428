import type { Check } from '../check.ts';
import { fail, pass, requesterNode, skip, undecided } from '../types.ts';

/** The requester's Node object exists. Nodes that could not be listed leave it undecided: no approving blind. */
export const nodeExists: Check = {
  id: 'node-exists',
  readsNode: true,
  run: ({ csr, nodes }) => {
    const name = requesterNode(csr);
    if (!name) return skip('node-exists', 'not evaluated: the requester is not a node');
    if (!nodes.ok) return undecided('node-exists', `could not list Nodes (${nodes.error})`);
    return nodes.value.some((n) => n.name === name)
      ? pass('node-exists', `Node ${name} exists`)
      : fail('node-exists', `Node ${name} does not exist`);
  },
};
