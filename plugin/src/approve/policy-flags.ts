import type { PolicyOptions } from '@kubectl-certs/core';
import { Flags } from '@oclif/core';
import { parseDuration } from '../duration.ts';
import { UserError } from '../user-error.ts';

/** The policy's flags, shared by approve-serving and approver run (one definition of each). */
export const policyFlags = {
  deny: Flags.boolean({ description: 'Mark refused CSRs Denied (default: leave them Pending).' }),
  'max-sans': Flags.integer({ description: 'Most DNS + IP SANs a CSR may carry.', default: 10, min: 1 }),
  'node-name-pattern': Flags.string({ description: 'Regular expression the whole node name must match.' }),
  'allowed-ip-ranges': Flags.string({
    description: 'CIDRs every IP SAN must be in (comma-separated, repeatable).',
    multiple: true,
  }),
  'allowed-dns-suffixes': Flags.string({
    description: 'Suffixes every DNS SAN other than the node name must end in (comma-separated).',
    multiple: true,
  }),
  'max-expiration': Flags.string({ description: 'Longest spec.expirationSeconds to accept (e.g. 720h).' }),
  'resolve-dns': Flags.boolean({ description: "DNS SANs must resolve only to the node's addresses." }),
  concurrency: Flags.integer({ description: 'Approvals written at once.', default: 8, min: 1, max: 64 }),
};

/** Flags of anything that keeps watching (approve-serving --watch, approver run). */
export const recheckFlags = {
  'recheck-window': Flags.string({
    description:
      'How long a CSR refused for its Node (not there yet, no addresses yet) is evaluated again when that Node changes; then the refusal is final (and denied with --deny). With approve-serving: only with --watch.',
    default: '15m',
  }),
  'recheck-max': Flags.integer({
    description: 'At most this many re-evaluations of such a refused CSR.',
    default: 10,
    min: 0,
  }),
};

interface PolicyFlagValues {
  'max-sans': number;
  'node-name-pattern'?: string | undefined;
  'allowed-ip-ranges'?: string[] | undefined;
  'allowed-dns-suffixes'?: string[] | undefined;
  'max-expiration'?: string | undefined;
  'resolve-dns': boolean;
}

export async function policyOptions(flags: PolicyFlagValues): Promise<PolicyOptions> {
  return {
    maxSans: flags['max-sans'],
    nodeNamePattern: compilePattern(flags['node-name-pattern']),
    allowedIpRanges: await parseCidrs(split(flags['allowed-ip-ranges'])),
    allowedDnsSuffixes: split(flags['allowed-dns-suffixes']),
    maxExpirationSeconds: flags['max-expiration']
      ? parseDuration(flags['max-expiration'], '--max-expiration') / 1000
      : undefined,
    resolveDns: flags['resolve-dns'],
  };
}

function split(values: string[] | undefined): string[] | undefined {
  const out = (values ?? [])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
  return out.length ? out : undefined;
}

function compilePattern(p: string | undefined): RegExp | undefined {
  if (!p) return undefined;
  try {
    return new RegExp(p);
  } catch (e) {
    throw new UserError(`invalid --node-name-pattern: ${(e as Error).message}`, 2);
  }
}

async function parseCidrs(cidrs: string[] | undefined): Promise<string[] | undefined> {
  if (!cidrs) return undefined;
  const { default: ipaddr } = await import('ipaddr.js');
  for (const c of cidrs)
    if (!ipaddr.isValidCIDR(c))
      throw new UserError(`invalid --allowed-ip-ranges entry "${c}": expected a CIDR like 10.0.0.0/8`, 2);
  return cidrs;
}
