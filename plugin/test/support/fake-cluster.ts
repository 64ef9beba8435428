import type { DnsAnswer, NodeFacts } from '@kubectl-certs/core';
import type { CoreV1Event, V1CertificateSigningRequest } from '@kubernetes/client-node';
import { afterAll } from 'vitest';
import { OpenSsl } from '../../../packages/core/test/support/openssl.ts';
import type { ApproveClient } from '../../src/approve/approve-client.ts';
import { type CsrItem, toCsrItem } from '../../src/kube/csr-objects.ts';

/** What client-node throws for an HTTP error: an ApiException with `code` and the Status body. */
export function apiError(code: number, message: string): Error {
  return Object.assign(new Error(`HTTP-Code: ${code}\nMessage: ${message}`), {
    code,
    body: JSON.stringify({ kind: 'Status', message, code }),
  });
}

type Fault = Error | (() => Error | undefined);

/**
 * An API server and resolver in memory, behind the ApproveClient port: CSRs and Nodes it holds,
 * every approval write it received, and faults queued per call (each fault is used once).
 */
export class FakeCluster implements ApproveClient {
  server = 'https://fake.example:6443';
  nodes: NodeFacts[] = [];
  csrs = new Map<string, V1CertificateSigningRequest>();
  dns = new Map<string, DnsAnswer>();
  writes: { name: string; type: string; reason?: string | undefined; message?: string | undefined }[] = [];
  events: { namespace: string; event: CoreV1Event }[] = [];
  faults: Record<'listNodes' | 'readCsr' | 'replaceApproval' | 'resolveDns', Fault[]> = {
    listNodes: [],
    readCsr: [],
    replaceApproval: [],
    resolveDns: [],
  };
  /** Runs just before a write is answered (e.g. someone else approves first). */
  beforeWrite?: (name: string) => void;

  private fault(call: keyof FakeCluster['faults']): void {
    const f = this.faults[call].shift();
    const e = typeof f === 'function' ? f() : f;
    if (e) throw e;
  }

  async listNodes(): Promise<NodeFacts[]> {
    this.fault('listNodes');
    return structuredClone(this.nodes);
  }

  async readCsr(name: string): Promise<V1CertificateSigningRequest> {
    this.fault('readCsr');
    const csr = this.csrs.get(name);
    if (!csr) throw apiError(404, `certificatesigningrequests.certificates.k8s.io "${name}" not found`);
    return structuredClone(csr);
  }

  async replaceApproval(name: string, body: V1CertificateSigningRequest): Promise<void> {
    this.beforeWrite?.(name);
    this.fault('replaceApproval');
    const stored = this.csrs.get(name);
    if (!stored) throw apiError(404, `certificatesigningrequests.certificates.k8s.io "${name}" not found`);
    if (stored.metadata?.resourceVersion !== body.metadata?.resourceVersion)
      throw apiError(409, 'the object has been modified; please apply your changes to the latest version');
    const last = body.status?.conditions?.at(-1);
    this.writes.push({ name, type: last?.type ?? '?', reason: last?.reason, message: last?.message });
    const next = structuredClone(body);
    next.metadata = {
      ...next.metadata,
      resourceVersion: String(Number(stored.metadata?.resourceVersion) + 1),
    };
    this.csrs.set(name, next);
  }

  async resolveDns(name: string): Promise<DnsAnswer> {
    this.fault('resolveDns');
    return this.dns.get(name) ?? { error: 'ENOTFOUND' };
  }

  /** As the API server: a second Event of the same name is refused (409), which the port reports as 'exists'. */
  async createEvent(namespace: string, event: CoreV1Event): Promise<'created' | 'exists'> {
    const name = event.metadata?.name;
    if (name && this.events.some((e) => e.namespace === namespace && e.event.metadata?.name === name))
      return 'exists';
    this.events.push({ namespace, event });
    return 'created';
  }

  /** Someone else (kubectl certificate approve) decides the CSR: a new resourceVersion. */
  decideElsewhere(name: string, type: 'Approved' | 'Denied'): void {
    const csr = this.csrs.get(name) as V1CertificateSigningRequest;
    csr.status = { conditions: [{ type, status: 'True', reason: 'KubectlApprove', message: 'by hand' }] };
    csr.metadata = { ...csr.metadata, resourceVersion: String(Number(csr.metadata?.resourceVersion) + 1) };
  }

  item(name: string): CsrItem {
    return toCsrItem(structuredClone(this.csrs.get(name) as V1CertificateSigningRequest));
  }
}

const ssl = new OpenSsl();
afterAll(() => ssl.dispose());
let serial = 0;

export interface CsrSpec {
  /** The node filing it (spec.username system:node:<filer>). */
  filer: string;
  /** CN node name; default the filer. */
  cn?: string;
  sans?: string[];
  ext?: string[];
}

/** Stores a real PKCS#10 request made by openssl, as the API server would hold it; returns its name. */
export function addCsr(cluster: FakeCluster, spec: CsrSpec): string {
  const name = `csr-${++serial}`;
  const { csr } = ssl.csr(
    ['O = system:nodes', `CN = system:node:${spec.cn ?? spec.filer}`],
    spec.sans ?? [`DNS:${spec.filer}`],
    'p256',
    spec.ext,
  );
  cluster.csrs.set(name, {
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: { name, uid: `uid-${name}`, resourceVersion: '1', creationTimestamp: new Date() },
    spec: {
      request: Buffer.from(csr).toString('base64'),
      signerName: 'kubernetes.io/kubelet-serving',
      usages: ['digital signature', 'key encipherment', 'server auth'],
      username: `system:node:${spec.filer}`,
      groups: ['system:nodes', 'system:authenticated'],
    },
  });
  return name;
}

export function node(name: string, ip?: string): NodeFacts {
  return {
    name,
    addresses: [{ type: 'Hostname', address: name }, ...(ip ? [{ type: 'InternalIP', address: ip }] : [])],
  };
}
