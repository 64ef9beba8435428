import { mkdtempSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { apiCall, type Credentials } from './api.ts';
import type { Cluster } from './cluster.ts';
import type { NodeIdentity } from './node-identity.ts';
import { genKey, type KeyType, makeCsr } from './pki.ts';

export const KUBELET_SERVING = 'kubernetes.io/kubelet-serving';
export const KUBELET_USAGES = ['digital signature', 'key encipherment', 'server auth'];

/**
 * What to put in a kubelet-serving CSR. Defaults are what a 1.20 kubelet with serverTLSBootstrap
 * sends for itself; every field can be forged (the reference make-serving-csr.sh options).
 */
export interface ServingCsrSpec {
  /** The node the certificate claims to be for (CN, default DNS and IP SANs). Default: the filer. */
  forNode?: { name: string; ip?: string };
  /** Subject CN; null for none. Default system:node:<forNode>. */
  cn?: string | null;
  /** Subject O values; [] for none. Default ["system:nodes"]. */
  orgs?: string[];
  dns?: string[];
  ips?: string[];
  emails?: string[];
  uris?: string[];
  /** More requested extensions beside subjectAltName, as openssl config lines. */
  extensions?: string[];
  usages?: string[];
  signerName?: string;
  key?: KeyType;
  /** Fixed metadata.name; default generateName "csr-" like the kubelet. */
  name?: string;
}

export interface FiledCsr {
  name: string;
  csrPem: string;
  keyPem: string;
  keyFile: string;
}

/** Files a serving CSR as `filer` (a node, the admin, or any credentials). */
export async function fileServingCsr(
  cluster: Cluster,
  filer: NodeIdentity | Credentials,
  spec: ServingCsrSpec = {},
): Promise<FiledCsr> {
  const creds = 'creds' in filer ? filer.creds : filer;
  const self = 'creds' in filer ? { name: filer.name, ip: filer.ip } : undefined;
  const target = spec.forNode ?? self;
  const cn = spec.cn === undefined ? (target ? `system:node:${target.name}` : null) : spec.cn;
  const orgs = spec.orgs ?? ['system:nodes'];
  const dns = spec.dns ?? (target ? [target.name] : []);
  const ips = spec.ips ?? (target?.ip ? [target.ip] : []);
  const sans = [
    ...dns.map((d) => `DNS:${d}`),
    ...ips.map((i) => `IP:${i}`),
    ...(spec.emails ?? []).map((e) => `email:${e}`),
    ...(spec.uris ?? []).map((u) => `URI:${u}`),
  ];
  const subject = [...orgs.map((o, i) => `${i}.O = ${o}`), ...(cn ? [`CN = ${cn}`] : [])];
  if (subject.length === 0) throw new Error('openssl cannot make a CSR with an empty subject');

  const work = mkdtempSync(join(cluster.dir, 'csrs', '.new-'));
  const keyFile = join(work, 'key.pem');
  const keyPem = genKey(keyFile, spec.key ?? 'ec');
  const csrPem = makeCsr(keyFile, join(work, 'req.cnf'), subject, sans, spec.extensions);
  const created = await apiCall<{ metadata: { name: string } }>(
    creds,
    'POST',
    '/apis/certificates.k8s.io/v1/certificatesigningrequests',
    {
      apiVersion: 'certificates.k8s.io/v1',
      kind: 'CertificateSigningRequest',
      metadata: spec.name ? { name: spec.name } : { generateName: 'csr-' },
      spec: {
        request: Buffer.from(csrPem).toString('base64'),
        signerName: spec.signerName ?? KUBELET_SERVING,
        usages: spec.usages ?? KUBELET_USAGES,
      },
    },
  );
  const name = created.metadata.name;
  const kept = join(cluster.dir, 'csrs', `${name}.key`);
  renameSync(keyFile, kept);
  rmSync(work, { recursive: true, force: true });
  return { name, csrPem, keyPem, keyFile: kept };
}

interface CsrObject {
  status?: { certificate?: string; conditions?: { type: string; reason?: string; message?: string }[] };
}

/** The PEM certificate the signer issued for CSR `name`, polling until it appears or fails. */
export async function waitForIssued(cluster: Cluster, name: string, timeoutMs = 15_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const csr = await apiCall<CsrObject>(
      cluster.admin,
      'GET',
      `/apis/certificates.k8s.io/v1/certificatesigningrequests/${name}`,
    );
    if (csr.status?.certificate) return Buffer.from(csr.status.certificate, 'base64').toString();
    const failed = csr.status?.conditions?.find((c) => c.type === 'Failed');
    if (failed) throw new Error(`CSR ${name} failed: ${failed.reason}: ${failed.message}`);
    if (Date.now() > deadline) throw new Error(`CSR ${name}: no certificate after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
