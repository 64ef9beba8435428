import { normalizeIp } from '../../x509/subject-alt-names.ts';
import { type Check, isResult, nodeIps, parsedOr, requesterNodeOr } from '../check.ts';
import { fail, pass, skip, undecided } from '../types.ts';

/**
 * --resolve-dns: each DNS SAN resolves, and only to addresses of the requesting node. A name that
 * does not exist refuses; a lookup that got no answer (timeout, SERVFAIL) decides nothing.
 */
export const dnsResolution: Check = {
  id: 'dns-resolution',
  readsNode: true,
  run: (input) => {
    if (!input.options.resolveDns) return skip('dns-resolution', 'no --resolve-dns');
    const csr = parsedOr(input, 'dns-resolution');
    if (isResult(csr)) return csr;
    const node = requesterNodeOr(input, 'dns-resolution');
    if (isResult(node)) return node;
    const own = new Set(nodeIps(node));
    for (const name of csr.sans.dns) {
      const answer = input.dns?.get(name);
      if (!answer) return undecided('dns-resolution', `DNS SAN ${name} was not looked up`);
      if ('unavailable' in answer)
        return undecided('dns-resolution', `DNS SAN ${name} could not be looked up: ${answer.unavailable}`);
      if ('error' in answer)
        return fail('dns-resolution', `DNS SAN ${name} does not resolve: ${answer.error}`);
      if (answer.addresses.length === 0)
        return fail('dns-resolution', `DNS SAN ${name} resolves to no address`);
      const stray = answer.addresses.filter((a) => !own.has(normalizeIp(a) ?? a));
      if (stray.length)
        return fail(
          'dns-resolution',
          `DNS SAN ${name} resolves to ${stray.join(', ')}, not an address of Node ${node.name}`,
        );
    }
    return pass(
      'dns-resolution',
      csr.sans.dns.length ? "every DNS SAN resolves only to the node's addresses" : 'no DNS SANs to resolve',
    );
  },
};
