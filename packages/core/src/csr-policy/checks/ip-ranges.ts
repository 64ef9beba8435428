import ipaddr from 'ipaddr.js';
import { type Check, isResult, parsedOr } from '../check.ts';
import { fail, pass, skip } from '../types.ts';

// A batch decides thousands of CSRs with the same ranges: parse them once.
const rangeCache = new WeakMap<readonly string[], ReturnType<typeof ipaddr.parseCIDR>[]>();
function parsedRanges(ranges: readonly string[]): ReturnType<typeof ipaddr.parseCIDR>[] {
  let cidrs = rangeCache.get(ranges);
  if (!cidrs) {
    cidrs = ranges.map((r) => ipaddr.parseCIDR(r));
    rangeCache.set(ranges, cidrs);
  }
  return cidrs;
}

/** --allowed-ip-ranges (kubelet-csr-approver's providerIpPrefixes): every IP SAN inside a range. */
export const ipRanges: Check = {
  id: 'ip-ranges',
  run: (input) => {
    const ranges = input.options.allowedIpRanges;
    if (!ranges?.length) return skip('ip-ranges', 'no --allowed-ip-ranges set');
    const csr = parsedOr(input, 'ip-ranges');
    if (isResult(csr)) return csr;
    const cidrs = parsedRanges(ranges);
    const outside = csr.sans.ip.filter((ip) => {
      const addr = ipaddr.parse(ip);
      return !cidrs.some(
        ([net, bits]) => net.kind() === addr.kind() && addr.match([net, bits] as [typeof addr, number]),
      );
    });
    return outside.length
      ? fail('ip-ranges', `IP SAN ${outside.join(', ')} is outside --allowed-ip-ranges ${ranges.join(', ')}`)
      : pass('ip-ranges', `IP SANs are inside ${ranges.join(', ')}`);
  },
};
