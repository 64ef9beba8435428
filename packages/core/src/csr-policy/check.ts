import type { CsrInfo } from '../x509/csr.ts';
import { normalizeIp } from '../x509/subject-alt-names.ts';
import {
  type CheckResult,
  type NodeFacts,
  type PolicyInput,
  requesterNode,
  skip,
  undecided,
} from './types.ts';

/** One rule of the policy. A failing gate check makes the CSR "ignore" instead of "refuse". */
export interface Check {
  id: string;
  gate?: boolean;
  /** Its outcome can change when the requester's Node object changes (appears, gets addresses). */
  readsNode?: boolean;
  run(input: PolicyInput): CheckResult;
}

/** The parsed request, or a skip result for checks that cannot run without it. */
export function parsedOr(input: PolicyInput, id: string): CsrInfo | CheckResult {
  return input.parsed.ok ? input.parsed.value : skip(id, 'not evaluated: the request could not be parsed');
}

/**
 * The requester's Node object, or a result for checks that cannot run without it: undecided when
 * Nodes could not be listed, skip when it does not exist (node-exists reports that itself).
 */
export function requesterNodeOr(input: PolicyInput, id: string): NodeFacts | CheckResult {
  const name = requesterNode(input.csr);
  if (!name) return skip(id, 'not evaluated: the requester is not a node');
  if (!input.nodes.ok) return undecided(id, `cannot tell without the Nodes (${input.nodes.error})`);
  return (
    input.nodes.value.find((n) => n.name === name) ?? skip(id, `not evaluated: Node ${name} does not exist`)
  );
}

export function isResult(x: unknown): x is CheckResult {
  return typeof x === 'object' && x !== null && 'outcome' in x && 'id' in x;
}

/** Normalised IP addresses of a node's status.addresses of the given types. */
export function nodeIps(node: NodeFacts, types?: readonly string[]): string[] {
  return node.addresses
    .filter((a) => !types || types.includes(a.type))
    .map((a) => normalizeIp(a.address))
    .filter((ip): ip is string => ip !== undefined);
}

export function quoteList(xs: readonly string[]): string {
  return xs.map((x) => `"${x}"`).join(', ');
}
