import {
  type Decision,
  type DnsAnswer,
  decideAll,
  type PolicyInput,
  type PolicyOptions,
  parseRequest,
} from '@kubectl-certs/core';
import pLimit from 'p-limit';
import { describeApiError } from '../kube/api-error.ts';
import type { CsrItem } from '../kube/csr-objects.ts';
import { withTimeout } from '../kube/timeout.ts';
import type { ApproveClient } from './approve-client.ts';

/** What the policy needs besides the CSRs, gathered once per batch; failures are kept, not thrown. */
export interface Gathered {
  nodes: PolicyInput['nodes'];
  dns?: Map<string, DnsAnswer> | undefined;
}

const DNS_CONCURRENCY = 16;

/**
 * The one gathering step of approve-serving, its --watch and the approver: list the Nodes and,
 * with --resolve-dns, look up every DNS SAN of the batch. What could not be had is recorded so
 * that the checks needing it are undecided: trouble here never refuses.
 */
export async function gather(
  client: ApproveClient,
  items: readonly CsrItem[],
  options: PolicyOptions,
  timeoutMs: number,
): Promise<Gathered> {
  const nodes = await client.listNodes().then(
    (value): PolicyInput['nodes'] => ({ ok: true, value }),
    (e): PolicyInput['nodes'] => ({
      ok: false,
      error: describeApiError(e, 'listing Nodes', client.server).message,
    }),
  );
  if (!options.resolveDns) return { nodes };
  return { nodes, dns: await resolveDnsSans(client, items, timeoutMs) };
}

/** Gathers for a batch and decides each CSR of it. */
export async function gatherAndDecide(
  client: ApproveClient,
  items: readonly CsrItem[],
  options: PolicyOptions,
  timeoutMs: number,
): Promise<{ gathered: Gathered; decisions: Decision[] }> {
  const gathered = await gather(client, items, options, timeoutMs);
  return { gathered, decisions: await decide(items, gathered, options) };
}

export function decide(items: readonly CsrItem[], g: Gathered, options: PolicyOptions): Promise<Decision[]> {
  return decideAll(
    items.map((i) => i.request),
    g.nodes,
    options,
    g.dns,
  );
}

async function resolveDnsSans(
  client: ApproveClient,
  items: readonly CsrItem[],
  timeoutMs: number,
): Promise<Map<string, DnsAnswer>> {
  const names = new Set<string>();
  for (const i of items) {
    const p = parseRequest(i.request);
    if (p.ok) for (const n of p.value.sans.dns) names.add(n);
  }
  const out = new Map<string, DnsAnswer>();
  const limit = pLimit(DNS_CONCURRENCY);
  await Promise.all(
    [...names].map((n) =>
      limit(async () => {
        const answer = await withTimeout(client.resolveDns(n), timeoutMs, `looking up ${n}`).catch(
          (e): DnsAnswer => ({ unavailable: (e as Error).message }),
        );
        out.set(n, answer);
      }),
    ),
  );
  return out;
}
