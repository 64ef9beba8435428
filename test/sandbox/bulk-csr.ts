import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { Pkcs10CertificateRequestGenerator, SubjectAlternativeNameExtension } from '@peculiar/x509';
import { apiCall } from './api.ts';
import type { NodeIdentity } from './node-identity.ts';
import { KUBELET_SERVING, KUBELET_USAGES } from './serving-csr.ts';

const EC = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

/**
 * A kubelet-style serving CSR made in-process (EC P-256, CN/O of the node, DNS + IP SANs): much
 * faster than openssl when benchmarks need thousands.
 */
export async function kubeletCsrPem(node: { name: string; ip: string }): Promise<string> {
  const keys = (await webcrypto.subtle.generateKey(EC, false, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const req = await Pkcs10CertificateRequestGenerator.create({
    name: `O=system:nodes, CN=system:node:${node.name}`,
    keys,
    signingAlgorithm: EC,
    extensions: [
      new SubjectAlternativeNameExtension([
        { type: 'dns', value: node.name },
        { type: 'ip', value: node.ip },
      ]),
    ],
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
      const created = await apiCall<{ metadata: { name: string } }>(
        node.creds,
        'POST',
        '/apis/certificates.k8s.io/v1/certificatesigningrequests',
        {
          apiVersion: 'certificates.k8s.io/v1',
          kind: 'CertificateSigningRequest',
          metadata: { generateName: 'csr-' },
          spec: {
            request: Buffer.from(pem).toString('base64'),
            signerName: KUBELET_SERVING,
            usages: KUBELET_USAGES,
          },
        },
      );
      names.push(created.metadata.name);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return names;
}
