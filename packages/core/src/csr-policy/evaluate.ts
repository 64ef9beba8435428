import { formatSans } from '../x509/subject-alt-names.ts';
import type { Check } from './check.ts';
import { dnsResolution } from './checks/dns-resolution.ts';
import { dnsSans } from './checks/dns-sans.ts';
import { dnsSuffixes } from './checks/dns-suffixes.ts';
import { expiration } from './checks/expiration.ts';
import { extensions } from './checks/extensions.ts';
import { ipRanges } from './checks/ip-ranges.ts';
import { ipSans } from './checks/ip-sans.ts';
import { key } from './checks/key.ts';
import { nodeExists } from './checks/node-exists.ts';
import { nodeNamePattern } from './checks/node-name-pattern.ts';
import { request } from './checks/request.ts';
import { requester } from './checks/requester.ts';
import { sanTypes } from './checks/san-types.ts';
import { signature } from './checks/signature.ts';
import { signer } from './checks/signer.ts';
import { state } from './checks/state.ts';
import { subject } from './checks/subject.ts';
import { usages } from './checks/usages.ts';
import { type CheckResult, type Decision, type PolicyInput, skip, undecided } from './types.ts';

/** Every check, in the order a reader would ask the questions (gates first). */
export const CHECKS: readonly Check[] = [
  signer,
  state,
  requester,
  request,
  subject,
  signature,
  key,
  usages,
  extensions,
  sanTypes,
  nodeExists,
  ipSans,
  dnsSans,
  nodeNamePattern,
  ipRanges,
  dnsSuffixes,
  expiration,
  dnsResolution,
];

/**
 * Decides one CSR: "ignore" when a gate fails (not a kubelet-serving CSR, or already decided),
 * "refuse" when any check fails, "undecided" when none fails but some could not be evaluated
 * (missing input, or the check threw), "approve" only when every check passed. Every check is
 * reported. The policy fails closed (nothing is approved that was not checked) without turning
 * its own trouble into a refusal.
 */
export function evaluate(input: PolicyInput): Decision {
  const checks: CheckResult[] = [];
  let gate: CheckResult | undefined;
  for (const c of CHECKS) {
    if (gate) {
      checks.push(skip(c.id, 'not evaluated'));
      continue;
    }
    const r = runSafely(c, input);
    checks.push(r);
    if (c.gate && r.outcome === 'fail') gate = r;
  }
  const base = {
    csr: input.csr.name,
    sans: input.parsed.ok ? formatSans(input.parsed.value.sans) : [],
    checks,
  };
  if (gate) return { ...base, decision: 'ignore', reason: gate.message };
  const failed = checks.find((r) => r.outcome === 'fail');
  if (failed) return { ...base, decision: 'refuse', reason: `${failed.id}: ${failed.message}` };
  const unknown = checks.find((r) => r.outcome === 'undecided');
  if (unknown)
    return { ...base, decision: 'undecided', reason: `cannot decide now: ${unknown.id}: ${unknown.message}` };
  return { ...base, decision: 'approve', reason: 'every check passed' };
}

function runSafely(c: Check, input: PolicyInput): CheckResult {
  try {
    return c.run(input);
  } catch (e) {
    return undecided(c.id, `the check could not run (${(e as Error).message})`);
  }
}
