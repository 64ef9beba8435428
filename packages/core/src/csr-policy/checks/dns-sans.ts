import { type Check, isResult, parsedOr, requesterNodeOr } from '../check.ts';
import { fail, pass } from '../types.ts';

const NAME_TYPES = ['Hostname', 'InternalDNS', 'ExternalDNS'];

/**
 * Every DNS SAN is the node name or one of its Hostname/InternalDNS/ExternalDNS addresses,
 * compared case-insensitively. Wildcards and trailing dots are refused outright: they would make
 * a certificate valid for more than the node, or for a name spelled to slip past a comparison.
 */
export const dnsSans: Check = {
  id: 'dns-sans',
  readsNode: true,
  run: (input) => {
    const csr = parsedOr(input, 'dns-sans');
    if (isResult(csr)) return csr;
    const node = requesterNodeOr(input, 'dns-sans');
    if (isResult(node)) return node;
    if (csr.sans.dns.length === 0) return pass('dns-sans', 'no DNS SANs requested');
    const own = new Set(
      [node.name, ...node.addresses.filter((a) => NAME_TYPES.includes(a.type)).map((a) => a.address)].map(
        (n) => n.toLowerCase(),
      ),
    );
    for (const name of csr.sans.dns) {
      if (name.includes('*')) return fail('dns-sans', `DNS SAN "${name}" is a wildcard`);
      if (name.endsWith('.')) return fail('dns-sans', `DNS SAN "${name}" ends with a dot`);
      if (!own.has(name.toLowerCase())) {
        return fail(
          'dns-sans',
          `DNS SAN "${name}" is neither the node name nor a Hostname/InternalDNS/ExternalDNS address of Node ${node.name}`,
        );
      }
    }
    return pass('dns-sans', `DNS SANs ${csr.sans.dns.join(', ')} belong to Node ${node.name}`);
  },
};
