import { type Check, isResult, parsedOr } from '../check.ts';
import { fail, pass, requesterNode, skip } from '../types.ts';

/** --allowed-dns-suffixes: every DNS SAN except the bare node name ends in one of them. */
export const dnsSuffixes: Check = {
  id: 'dns-suffixes',
  run: (input) => {
    const suffixes = input.options.allowedDnsSuffixes;
    if (!suffixes?.length) return skip('dns-suffixes', 'no --allowed-dns-suffixes set');
    const csr = parsedOr(input, 'dns-suffixes');
    if (isResult(csr)) return csr;
    const node = requesterNode(input.csr)?.toLowerCase();
    const dotted = suffixes.map((s) => `.${s.toLowerCase().replace(/^\.+/, '')}`);
    const bad = csr.sans.dns.filter(
      (d) => d.toLowerCase() !== node && !dotted.some((s) => d.toLowerCase().endsWith(s)),
    );
    return bad.length
      ? fail(
          'dns-suffixes',
          `DNS SAN ${bad.join(', ')} does not end in --allowed-dns-suffixes ${suffixes.join(', ')}`,
        )
      : pass('dns-suffixes', `DNS SANs end in ${suffixes.join(', ')} or are the node name`);
  },
};
