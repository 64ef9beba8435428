import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pkcs10CertificateRequestGenerator, SubjectAlternativeNameExtension } from '@peculiar/x509';
import { apiCall, apiRequest, type Credentials } from './api.ts';
import type { NodeIdentity } from './node-identity.ts';
import { KUBELET_SERVING, KUBELET_USAGES } from './serving-csr.ts';

const EC = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

/**
 * A kubelet-style serving CSR made in-process (EC P-256, CN/O of the node, DNS + IP SANs): much
 * faster than openssl when benchmarks need thousands.
 */
export async function kubeletCsrPem(
  node: { name: string; ip: string },
  sans: { type: 'dns' | 'ip'; value: string }[] = [
    { type: 'dns', value: node.name },
    { type: 'ip', value: node.ip },
  ],
): Promise<string> {
  const keys = (await webcrypto.subtle.generateKey(EC, false, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const req = await Pkcs10CertificateRequestGenerator.create({
    name: `O=system:nodes, CN=system:node:${node.name}`,
    keys,
    signingAlgorithm: EC,
    extensions: [new SubjectAlternativeNameExtension(sans)],
  });
  return req.toString('pem');
}

/** Files `perNode` honest serving CSRs as each node, `concurrency` requests at a time; returns their names. */
export async function fileBacklog(
  nodes: NodeIdentity[],
  perNode: number,
  concurrency = 16,
): Promise<string[]> {
  const jobs = nodes.flatMap((n) => Array.from({ length: perNode }, () => n));
  const names: string[] = [];
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < jobs.length; i = next++) {
      const node = jobs[i] as NodeIdentity;
      const pem = await kubeletCsrPem(node);
      names.push(await postCsr(node.creds, pem));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return names;
}

/** POSTs one CSR, retrying what a loaded API server asks to retry (429, 5xx "try again"). */
export async function postCsr(creds: Credentials, pem: string): Promise<string> {
  const body = {
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: { generateName: 'csr-' },
    spec: {
      request: Buffer.from(pem).toString('base64'),
      signerName: KUBELET_SERVING,
      usages: KUBELET_USAGES,
    },
  };
  for (let attempt = 1; ; attempt++) {
    const res = await apiRequest<{ metadata: { name: string } }>(
      creds,
      'POST',
      '/apis/certificates.k8s.io/v1/certificatesigningrequests',
      body,
    );
    if (res.status === 201) return res.body.metadata.name;
    if ((res.status !== 429 && res.status < 500) || attempt >= 8) {
      const msg =
        (res.body as unknown as { message?: string } | undefined)?.message ?? JSON.stringify(res.body);
      throw new Error(`filing a CSR: HTTP ${res.status}: ${msg}`);
    }
    await sleep(100 * attempt);
  }
}

/** Waits until every named CSR has its certificate (the signer has caught up with a backlog). */
export async function waitForAllIssued(
  admin: Credentials,
  names: readonly string[],
  timeoutMs = 300_000,
): Promise<void> {
  const want = new Set(names);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const list = await apiCall<{
      items: { metadata: { name: string }; status?: { certificate?: string } }[];
    }>(admin, 'GET', '/apis/certificates.k8s.io/v1/certificatesigningrequests');
    const pending = list.items.filter((i) => want.has(i.metadata.name) && !i.status?.certificate).length;
    if (pending === 0) return;
    await sleep(500);
  }
  throw new Error(`the signer did not issue all ${names.length} certificates in ${timeoutMs / 1000} s`);
}
