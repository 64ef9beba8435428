import type { Check } from '../check.ts';
import { isResult, parsedOr } from '../check.ts';
import { fail, pass } from '../types.ts';

/** At least one DNS or IP SAN, no other SAN type, and not too many. */
export const sanTypes: Check = {
  id: 'san-types',
  run: (input) => {
    const csr = parsedOr(input, 'san-types');
    if (isResult(csr)) return csr;
    const { dns, ip, email, uri, other } = csr.sans;
    if (email.length) return fail('san-types', `email SANs are not allowed: ${email.join(', ')}`);
    if (uri.length) return fail('san-types', `URI SANs are not allowed: ${uri.join(', ')}`);
    if (other.length)
      return fail(
        'san-types',
        `SANs of other types are not allowed: ${other.map((o) => `${o.type} ${o.value}`).join(', ')}`,
      );
    if (dns.length + ip.length === 0) return fail('san-types', 'the request has no DNS or IP SAN');
    const max = input.options.maxSans;
    if (dns.length + ip.length > max)
      return fail(
        'san-types',
        `${dns.length + ip.length} SANs requested; at most ${max} are allowed (--max-sans)`,
      );
    return pass('san-types', `${dns.length} DNS and ${ip.length} IP SANs`);
  },
};
