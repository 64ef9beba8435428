import { resolve4, resolve6 } from 'node:dns/promises';
import type { DnsAnswer, NodeFacts } from '@kubectl-certs/core';
import type { CoreV1Event, KubeConfig, V1CertificateSigningRequest } from '@kubernetes/client-node';
import { putApproval } from '../kube/approval-put.ts';
import { CSR_PATH, listNodes } from '../kube/csr-objects.ts';
import { requestJson } from '../kube/raw-api.ts';

/**
 * Everything approve-serving and the approver ask of the world, as one narrow port: the real one
 * talks to the API server and DNS, tests pass a fake that answers (or fails) as a case needs.
 * Calls are raw: timeouts and retries are the callers' (act.ts, gather.ts), so fakes test them.
 */
export interface ApproveClient {
  /** The API server's URL, for error messages. */
  server: string;
  listNodes(): Promise<NodeFacts[]>;
  readCsr(name: string): Promise<V1CertificateSigningRequest>;
  /** Writes the approval subresource; the answer is not read (the watch or a re-read tells what it became). */
  replaceApproval(name: string, body: V1CertificateSigningRequest): Promise<void>;
  /** A and AAAA records of one name. */
  resolveDns(name: string): Promise<DnsAnswer>;
  /** 'exists' when an Event of that name is there already (409): the decision is recorded. */
  createEvent(namespace: string, event: CoreV1Event): Promise<'created' | 'exists'>;
}

/** The real port: every call over node:https with kc's credentials (kube/raw-api.ts). */
export function approveClient(kc: KubeConfig, timeoutMs: number): ApproveClient {
  return {
    server: kc.getCurrentCluster()?.server ?? '?',
    listNodes: () => listNodes(kc, timeoutMs),
    readCsr: (name) => requestJson(kc, 'GET', `${CSR_PATH}/${encodeURIComponent(name)}`),
    replaceApproval: (name, body) => putApproval(kc, name, body),
    resolveDns: lookUp,
    createEvent: (namespace, body) =>
      requestJson(kc, 'POST', `/api/v1/namespaces/${encodeURIComponent(namespace)}/events`, body).then(
        () => 'created' as const,
        (e: unknown) => {
          if ((e as { code?: number }).code === 409) return 'exists' as const;
          throw e;
        },
      ),
  };
}

// Negative answers from the resolver: the name does not exist or has no address. Anything else
// (ETIMEOUT, ESERVFAIL, ECONNREFUSED, ...) means no answer was had.
const NEGATIVE = new Set(['ENOTFOUND', 'ENODATA']);

async function lookUp(name: string): Promise<DnsAnswer> {
  const [v4, v6] = await Promise.allSettled([resolve4(name), resolve6(name)]);
  const addresses = [
    ...(v4.status === 'fulfilled' ? v4.value : []),
    ...(v6.status === 'fulfilled' ? v6.value : []),
  ];
  if (addresses.length) return { addresses };
  const codes = [v4, v6].map((r) =>
    r.status === 'rejected' ? String((r.reason as { code?: string }).code ?? r.reason) : 'ENODATA',
  );
  const trouble = codes.find((c) => !NEGATIVE.has(c));
  return trouble ? { unavailable: trouble } : { error: codes[0] ?? 'no A or AAAA record' };
}
