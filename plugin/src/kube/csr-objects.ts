import type { CsrRequest, NodeFacts } from '@kubectl-certs/core';
import type {
  CertificatesV1Api,
  KubeConfig,
  V1CertificateSigningRequest,
  V1Node,
} from '@kubernetes/client-node';
import { requestJson } from './raw-api.ts';
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
/**
 * The page of the lists a watch starts from (the approver's, --watch's): each page's answer is
 * read whole, and with 500 a page (2 MB of CSRs) the buffers and objects of a page were what V8
 * and malloc grew to and kept: 186 MB idle with 5,000 CSRs and Nodes known, 147 MB with 100.
 */
const WATCH_PAGE = 100;

interface Page<T> {
  items: T[];
  metadata?: { _continue?: string; resourceVersion?: string };
}

/** A list call page by page (limit/continue), each page retried and timed out. */
async function* pages<T>(
  fetchPage: (opts: { limit: number; _continue?: string }) => Promise<Page<T>>,
  timeoutMs: number,
  what: string,
  limit = PAGE,
): AsyncGenerator<Page<T>> {
  let cont: string | undefined;
  do {
    const opts = { limit, ...(cont ? { _continue: cont } : {}) };
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
  limit = PAGE,
): Promise<{ items: T[]; resourceVersion: string }> {
  const items: T[] = [];
  let resourceVersion = '';
  for await (const page of pages(fetchPage, timeoutMs, what, limit)) {
    for (const item of page.items) items.push(keep(item));
    resourceVersion = page.metadata?.resourceVersion ?? resourceVersion;
  }
  return { items, resourceVersion };
}

/** A page of a collection over raw-api.ts: plain objects, each page parsed once. */
function rawPages<T>(kc: KubeConfig, path: string): Parameters<typeof pages<T>>[0] {
  return async ({ limit, _continue }) => {
    const query = new URLSearchParams({
      limit: String(limit),
      ...(_continue ? { continue: _continue } : {}),
    });
    const page = await requestJson<{
      items: T[];
      metadata?: { continue?: string; resourceVersion?: string };
    }>(kc, 'GET', `${path}?${query}`);
    const { continue: next, resourceVersion } = page.metadata ?? {};
    return { items: page.items ?? [], metadata: { _continue: next, resourceVersion } };
  };
}

export const CSR_PATH = '/apis/certificates.k8s.io/v1/certificatesigningrequests';
export const NODE_PATH = '/api/v1/nodes';

/**
 * Every CSR, as plain objects without managedFields (what a watch of them starts from); `keep`
 * makes each what is held of it, page by page.
 */
export function listCsrObjects(
  kc: KubeConfig,
  timeoutMs: number,
  keep: (o: V1CertificateSigningRequest) => V1CertificateSigningRequest = (o) => o,
): Promise<{ items: V1CertificateSigningRequest[]; resourceVersion: string }> {
  return listAll(
    rawPages(kc, CSR_PATH),
    timeoutMs,
    'listing CSRs',
    (o) => keep(withoutManagedFields(o)),
    WATCH_PAGE,
  );
}

/**
 * CSRs a page at a time, so that a large backlog is never held in memory at once; over raw-api.ts
 * as the approver's lists (client-node's models cost more CPU than the decisions on a backlog).
 */
export async function* csrPages(kc: KubeConfig, timeoutMs: number): AsyncGenerator<CsrItem[]> {
  const fetchPage = rawPages<V1CertificateSigningRequest>(kc, CSR_PATH);
  for await (const page of pages(fetchPage, timeoutMs, 'listing CSRs'))
    yield page.items.map((o) => toCsrItem(withoutManagedFields(o)));
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

export async function listNodes(kc: KubeConfig, timeoutMs: number): Promise<NodeFacts[]> {
  return (await listNodeObjects(kc, timeoutMs)).items.map(toNodeFacts);
}

/** Nodes as a watch of them needs them: name, resourceVersion, addresses and kubelet port. */
export function listNodeObjects(
  kc: KubeConfig,
  timeoutMs: number,
): Promise<{ items: V1Node[]; resourceVersion: string }> {
  return listAll(rawPages(kc, NODE_PATH), timeoutMs, 'listing Nodes', slimNode, WATCH_PAGE);
}

function slimNode(n: V1Node): V1Node {
  const { name, uid, resourceVersion } = n.metadata ?? {};
  const { addresses, daemonEndpoints } = n.status ?? {};
  return { metadata: { name, uid, resourceVersion }, status: { addresses, daemonEndpoints } };
}

/**
 * Who wrote which field: never read here, and about a third of a listed object. An update without
 * them keeps the server's (so an approval PUT built on such an object leaves them as they are).
 */
export function withoutManagedFields<T extends { metadata?: { managedFields?: unknown } }>(o: T): T {
  if (o.metadata?.managedFields) o.metadata.managedFields = undefined;
  return o;
}
