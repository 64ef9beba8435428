import { type Check, isResult, nodeIps, parsedOr, requesterNodeOr } from '../check.ts';
import { fail, pass } from '../types.ts';

const OWN_TYPES = ['InternalIP', 'ExternalIP'];

/** Every IP SAN is one of the node's InternalIP/ExternalIP addresses, and no other Node lists it. */
export const ipSans: Check = {
  id: 'ip-sans',
  run: (input) => {
    const csr = parsedOr(input, 'ip-sans');
    if (isResult(csr)) return csr;
    const node = requesterNodeOr(input, 'ip-sans');
    if (isResult(node)) return node;
    if (csr.sans.ip.length === 0) return pass('ip-sans', 'no IP SANs requested');
    const own = new Set(nodeIps(node, OWN_TYPES));
    const foreign = csr.sans.ip.filter((ip) => !own.has(ip));
    if (foreign.length) {
      return fail(
        'ip-sans',
        `IP SAN ${foreign.join(', ')} is not an InternalIP or ExternalIP of Node ${node.name} (it has ${[...own].join(', ') || 'none'})`,
      );
    }
    const others = input.nodes.ok ? input.nodes.value.filter((n) => n.name !== node.name) : [];
    for (const ip of csr.sans.ip) {
      const holder = others.find((n) => nodeIps(n).includes(ip));
      if (holder) return fail('ip-sans', `IP SAN ${ip} is also an address of Node ${holder.name}`);
    }
    return pass('ip-sans', `IP SANs ${csr.sans.ip.join(', ')} belong to Node ${node.name} only`);
  },
};
