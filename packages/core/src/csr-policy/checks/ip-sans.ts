import { type Check, isResult, parsedOr, requesterNodeOr } from '../check.ts';
import { nodeIndex } from '../node-index.ts';
import { fail, pass } from '../types.ts';

/** Every IP SAN is one of the node's InternalIP/ExternalIP addresses, and no other Node lists it. */
export const ipSans: Check = {
  id: 'ip-sans',
  readsNode: true,
  run: (input) => {
    const csr = parsedOr(input, 'ip-sans');
    if (isResult(csr)) return csr;
    const node = requesterNodeOr(input, 'ip-sans');
    if (isResult(node)) return node;
    if (csr.sans.ip.length === 0) return pass('ip-sans', 'no IP SANs requested');
    const index = nodeIndex(input.nodes.ok ? input.nodes.value : []);
    const own = index.ownIps.get(node.name) ?? new Set<string>();
    const foreign = csr.sans.ip.filter((ip) => !own.has(ip));
    if (foreign.length) {
      return fail(
        'ip-sans',
        `IP SAN ${foreign.join(', ')} is not an InternalIP or ExternalIP of Node ${node.name} (it has ${[...own].join(', ') || 'none'})`,
      );
    }
    for (const ip of csr.sans.ip) {
      const other = index.ipHolders.get(ip)?.find((n) => n !== node.name);
      if (other) return fail('ip-sans', `IP SAN ${ip} is also an address of Node ${other}`);
    }
    return pass('ip-sans', `IP SANs ${csr.sans.ip.join(', ')} belong to Node ${node.name} only`);
  },
};
