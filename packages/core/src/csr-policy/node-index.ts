import { normalizeIp } from '../x509/subject-alt-names.ts';
import type { NodeFacts } from './types.ts';

const OWN_IP_TYPES = new Set(['InternalIP', 'ExternalIP']);

export interface NodeIndex {
  /** Normalised InternalIP/ExternalIP addresses of each node. */
  ownIps: Map<string, Set<string>>;
  /** Every node listing an address (of any type), by normalised address. */
  ipHolders: Map<string, string[]>;
}

const cache = new WeakMap<readonly NodeFacts[], NodeIndex>();

/**
 * Addresses by node and nodes by address, built once per Node list (a batch decides thousands of
 * CSRs against the same list; re-reading every node for every CSR was the policy's hot spot).
 */
export function nodeIndex(nodes: readonly NodeFacts[]): NodeIndex {
  let index = cache.get(nodes);
  if (index) return index;
  index = { ownIps: new Map(), ipHolders: new Map() };
  for (const n of nodes) {
    const own = new Set<string>();
    for (const a of n.addresses) {
      const ip = normalizeIp(a.address);
      if (!ip) continue;
      if (OWN_IP_TYPES.has(a.type)) own.add(ip);
      const holders = index.ipHolders.get(ip) ?? [];
      if (!holders.includes(n.name)) holders.push(n.name);
      index.ipHolders.set(ip, holders);
    }
    index.ownIps.set(n.name, own);
  }
  cache.set(nodes, index);
  return index;
}
