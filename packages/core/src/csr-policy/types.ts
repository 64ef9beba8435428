import type { CsrInfo } from '../x509/csr.ts';

export const KUBELET_SERVING_SIGNER = 'kubernetes.io/kubelet-serving';
export const NODE_USER_PREFIX = 'system:node:';
export const NODES_GROUP = 'system:nodes';

/** The parts of a certificates.k8s.io/v1 CertificateSigningRequest the policy reads. */
export interface CsrRequest {
  name: string;
  signerName: string;
  username: string;
  groups: string[];
  usages: string[];
  /** spec.request: base64 of the PEM, as the API stores it. */
  request: string;
  expirationSeconds?: number | undefined;
  conditions: { type: string; status?: string }[];
}

export interface NodeAddress {
  type: string;
  address: string;
}

export interface NodeFacts {
  name: string;
  addresses: NodeAddress[];
}

/**
 * What a DNS lookup of one name gave; resolution is done by the caller and injected. `error` is an
 * answer (the name does not exist, or has no address record): the policy refuses on it.
 * `unavailable` is trouble (timeout, SERVFAIL, no resolver): no answer, so no decision either way.
 */
export type DnsAnswer = { addresses: string[] } | { error: string } | { unavailable: string };

/** kubelet-csr-approver's settings under our names, so its users can switch. */
export interface PolicyOptions {
  /** Most DNS + IP SANs a request may carry. */
  maxSans: number;
  /** The node name must match (like providerRegex). */
  nodeNamePattern?: RegExp | undefined;
  /** Every IP SAN must be inside one of these CIDRs (like providerIpPrefixes). */
  allowedIpRanges?: string[] | undefined;
  /** Every DNS SAN other than the bare node name must end in one of these suffixes. */
  allowedDnsSuffixes?: string[] | undefined;
  /** spec.expirationSeconds, when present, may not exceed this (like max-expiration-sec). */
  maxExpirationSeconds?: number | undefined;
  /** DNS SANs must resolve only to the node's own addresses (answers injected in the input). */
  resolveDns?: boolean | undefined;
}

export const DEFAULT_OPTIONS: PolicyOptions = { maxSans: 10 };

/**
 * Everything the checks look at, gathered by the caller. A failure while gathering is recorded,
 * not thrown: the checks that need the missing part are undecided, so the CSR is neither approved
 * nor refused (trouble on our side is no reason to deny a kubelet).
 */
export interface PolicyInput {
  csr: CsrRequest;
  /** The parsed request, or why it could not be parsed. */
  parsed: { ok: true; value: CsrInfo } | { ok: false; error: string };
  /** Result of verifying the request's signature (batched by the caller). */
  signatureValid: boolean;
  /** All Node objects, or why they could not be listed. */
  nodes: { ok: true; value: NodeFacts[] } | { ok: false; error: string };
  /** DNS answers per DNS SAN; only read when options.resolveDns is set. */
  dns?: Map<string, DnsAnswer> | undefined;
  options: PolicyOptions;
}

/**
 * skip: not evaluated; info: a fact worth showing that decides nothing; undecided: the check could
 * not be evaluated because input is missing (Nodes not listed, DNS not answering) or it threw.
 */
export type Outcome = 'pass' | 'fail' | 'skip' | 'info' | 'undecided';

export interface CheckResult {
  id: string;
  outcome: Outcome;
  /** One sentence a cluster admin understands. */
  message: string;
}

/**
 * approve: every check passed. refuse: a check failed on complete input. undecided: "cannot decide
 * now", some check lacked its input and none failed; never written, asked again later.
 * ignore: not ours (a gate failed), never written.
 */
export type Verdict = 'approve' | 'refuse' | 'undecided' | 'ignore';

export interface Decision {
  csr: string;
  /** The requested SANs as "DNS:x", "IP:y", ... (empty when the request could not be parsed). */
  sans: string[];
  decision: Verdict;
  /** The message of the first check that decided it (failing, or ignoring), or why it passes. */
  reason: string;
  checks: CheckResult[];
}

export const pass = (id: string, message: string): CheckResult => ({ id, outcome: 'pass', message });
export const fail = (id: string, message: string): CheckResult => ({ id, outcome: 'fail', message });
export const skip = (id: string, message: string): CheckResult => ({ id, outcome: 'skip', message });
export const info = (id: string, message: string): CheckResult => ({ id, outcome: 'info', message });
export const undecided = (id: string, message: string): CheckResult => ({
  id,
  outcome: 'undecided',
  message,
});

/** The node name claimed by spec.username, or undefined when it is not a node identity. */
export function requesterNode(csr: CsrRequest): string | undefined {
  if (!csr.username.startsWith(NODE_USER_PREFIX)) return undefined;
  const name = csr.username.slice(NODE_USER_PREFIX.length);
  return name === '' ? undefined : name;
}
