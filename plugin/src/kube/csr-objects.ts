import type { CsrRequest, NodeFacts } from '@kubectl-certs/core';
import type {
  CertificatesV1Api,
  CoreV1Api,
  V1CertificateSigningRequest,
  V1Node,
} from '@kubernetes/client-node';
import { withRetry } from './retry.ts';
import { withTimeout } from './timeout.ts';

/** A CSR as the policy sees it, with the API object kept for writing the decision back. */
export interface CsrItem {
  request: CsrRequest;
  object: V1CertificateSigningRequest;
  created?: Date | undefined;
}

export function toCsrItem(o: V1CertificateSigningRequest): CsrItem {
  return {
    object: o,
    created: o.metadata?.creationTimestamp ? new Date(o.metadata.creationTimestamp) : undefined,
    request: {
      name: o.metadata?.name ?? '',
      signerName: o.spec.signerName,
      username: o.spec.username ?? '',
      groups: o.spec.groups ?? [],
      usages: o.spec.usages ?? [],
      request: o.spec.request,
      expirationSeconds: o.spec.expirationSeconds,
      conditions: (o.status?.conditions ?? []).map((c) => ({ type: c.type, status: c.status })),
    },
  };
}

export function toNodeFacts(n: V1Node): NodeFacts {
  return {
    name: n.metadata?.name ?? '',
    addresses: (n.status?.addresses ?? []).map((a) => ({ type: a.type, address: a.address })),
  };
}

const PAGE = 500;

interface Page<T> {
  items: T[];
  metadata?: { _continue?: string; resourceVersion?: string };
}

/** Every item of a list call, page by page (limit/continue), each page retried and timed out. */
async function listAll<T>(
  fetchPage: (opts: { limit: number; _continue?: string }) => Promise<Page<T>>,
  timeoutMs: number,
  what: string,
): Promise<{ items: T[]; resourceVersion: string }> {
  const items: T[] = [];
  let cont: string | undefined;
  let resourceVersion = '';
  do {
    const opts = { limit: PAGE, ...(cont ? { _continue: cont } : {}) };
    const page = await withRetry(() => withTimeout(fetchPage(opts), timeoutMs, what));
    items.push(...page.items);
    cont = page.metadata?._continue || undefined;
    resourceVersion = page.metadata?.resourceVersion ?? resourceVersion;
  } while (cont);
  return { items, resourceVersion };
}

/** Every CSR, and the list's resourceVersion to watch from. */
export async function listCsrs(
  api: CertificatesV1Api,
  timeoutMs: number,
): Promise<{ items: CsrItem[]; resourceVersion: string }> {
  const all = await listAll((o) => api.listCertificateSigningRequest(o), timeoutMs, 'listing CSRs');
  return { items: all.items.map(toCsrItem), resourceVersion: all.resourceVersion };
}

export async function listNodes(api: CoreV1Api, timeoutMs: number): Promise<NodeFacts[]> {
  return (await listAll((o) => api.listNode(o), timeoutMs, 'listing Nodes')).items.map(toNodeFacts);
}
