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

/** A list call page by page (limit/continue), each page retried and timed out. */
async function* pages<T>(
  fetchPage: (opts: { limit: number; _continue?: string }) => Promise<Page<T>>,
  timeoutMs: number,
  what: string,
): AsyncGenerator<Page<T>> {
  let cont: string | undefined;
  do {
    const opts = { limit: PAGE, ...(cont ? { _continue: cont } : {}) };
    const page = await withRetry(() => withTimeout(fetchPage(opts), timeoutMs, what));
    yield page;
    cont = page.metadata?._continue || undefined;
  } while (cont);
}

/** Every page; `keep` makes each item what is held of it, page by page (a list held whole is the peak). */
async function listAll<T>(
  fetchPage: Parameters<typeof pages<T>>[0],
  timeoutMs: number,
  what: string,
  keep: (item: T) => T = (item) => item,
): Promise<{ items: T[]; resourceVersion: string }> {
  const items: T[] = [];
  let resourceVersion = '';
  for await (const page of pages(fetchPage, timeoutMs, what)) {
    for (const item of page.items) items.push(keep(item));
    resourceVersion = page.metadata?.resourceVersion ?? resourceVersion;
  }
  return { items, resourceVersion };
}

/** CSRs a page at a time, so that a large backlog is never held in memory at once. */
export async function* csrPages(api: CertificatesV1Api, timeoutMs: number): AsyncGenerator<CsrItem[]> {
  for await (const page of pages((o) => api.listCertificateSigningRequest(o), timeoutMs, 'listing CSRs'))
    yield page.items.map(toCsrItem);
}

export async function listCsrs(
  api: CertificatesV1Api,
  timeoutMs: number,
): Promise<{ items: CsrItem[]; resourceVersion: string }> {
  const all = await listAll(
    (o) => api.listCertificateSigningRequest(o),
    timeoutMs,
    'listing CSRs',
    withoutManagedFields,
  );
  return { items: all.items.map(toCsrItem), resourceVersion: all.resourceVersion };
}

export async function listNodes(api: CoreV1Api, timeoutMs: number): Promise<NodeFacts[]> {
  return (await listNodeObjects(api, timeoutMs)).items.map(toNodeFacts);
}

/** Nodes as a watch of them needs them: name, resourceVersion, addresses and kubelet port. */
export function listNodeObjects(
  api: CoreV1Api,
  timeoutMs: number,
): Promise<{ items: V1Node[]; resourceVersion: string }> {
  return listAll((o) => api.listNode(o), timeoutMs, 'listing Nodes', slimNode);
}

function slimNode(n: V1Node): V1Node {
  const { name, uid, resourceVersion } = n.metadata ?? {};
  const { addresses, daemonEndpoints } = n.status ?? {};
  return { metadata: { name, uid, resourceVersion }, status: { addresses, daemonEndpoints } };
}

/** Who wrote which field: never read here, and about a third of a listed object. */
function withoutManagedFields<T extends { metadata?: { managedFields?: unknown } }>(o: T): T {
  if (o.metadata?.managedFields) o.metadata.managedFields = undefined;
  return o;
}
