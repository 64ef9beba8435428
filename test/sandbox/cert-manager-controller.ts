import { X509Certificate } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { apiCall, apiRequest, type Credentials } from './api.ts';
import { type ControlLoop, startControlLoop } from './control-loop.ts';
import { issue, type KeyPair, type KeyType, makeCa } from './pki.ts';

/**
 * cert-manager's controller on the sandbox, where its image cannot run (no registry is reachable;
 * only npm and Debian's packages are): a reconcile loop in this process over the cert-manager.io/v1
 * objects that the CRDs of cert-manager-crds.ts serve. It does what cert-manager does for the two
 * issuer types a cluster needs to make its own CA: a `selfSigned` Issuer signs an `isCA`
 * Certificate with its own key, a `ca` Issuer signs with the key in its Secret; the Certificate's
 * Secret (kubernetes.io/tls: tls.crt, tls.key, ca.crt, and cert-manager's annotations) is written
 * by server-side apply, and the Issuer's and Certificate's Ready conditions are set. Certificates
 * are made by openssl, from the fields cert-manager reads (commonName, dnsNames, isCA, duration,
 * usages, privateKey). Other issuer types (ACME, Vault, ...) and renewal are not played: a
 * Certificate that needs them is marked Ready False, so a test sees it rather than waits.
 */
const CM = '/apis/cert-manager.io/v1';
/** Where cert-manager reads a ClusterIssuer's Secrets (its --cluster-resource-namespace). */
export const CLUSTER_RESOURCE_NAMESPACE = 'cert-manager';
const MANAGER = 'cert-manager-certificates-issuing';
/**
 * cert-manager's controller leads through the Lease cert-manager-controller in its
 * --leader-election-namespace (kube-system by default), as identity <hostname>-external-cert-manager-controller,
 * with a 60s lease renewed every 15s; it reconciles only while it leads.
 */
const LEASE = { namespace: 'kube-system', name: 'cert-manager-controller' };

interface Meta {
  name: string;
  namespace?: string;
  annotations?: Record<string, string>;
}
interface Certificate {
  metadata: Meta & { namespace: string; generation?: number };
  spec: {
    secretName: string;
    commonName?: string;
    dnsNames?: string[];
    isCA?: boolean;
    duration?: string;
    usages?: string[];
    privateKey?: { algorithm?: string; size?: number };
    issuerRef: { name: string; kind?: string; group?: string };
  };
}
interface Issuer {
  kind: 'Issuer' | 'ClusterIssuer';
  metadata: Meta;
  spec: { selfSigned?: object; ca?: { secretName: string } };
}
type SecretData = Record<string, string>;

const text = (d: SecretData, k: string) => Buffer.from(d[k] ?? '', 'base64').toString('utf8');
const b64 = (s: string) => Buffer.from(s).toString('base64');
/** cert-manager's default lifetime is 90 days (2160h); Go durations in whole hours here. */
const days = (duration = '2160h') => {
  const hours = duration.match(/^(\d+)h$/)?.[1];
  if (!hours) throw new Error(`the stand-in reads durations in hours only, not ${duration}`);
  return Math.ceil(Number(hours) / 24);
};

function keyType(c: Certificate): KeyType {
  const { algorithm = 'RSA', size } = c.spec.privateKey ?? {};
  if (algorithm === 'ECDSA' && (size ?? 256) === 256) return 'ec';
  if (algorithm === 'RSA' && (size ?? 2048) === 2048) return 'rsa';
  throw new Error(`privateKey ${algorithm} ${size} is not played by the stand-in`);
}

/** cert-manager's usage names as openssl extension lines (its default: digital signature, key encipherment). */
function usageLines(c: Certificate): string[] {
  const usages = c.spec.usages ?? ['digital signature', 'key encipherment'];
  const ku = { 'digital signature': 'digitalSignature', 'key encipherment': 'keyEncipherment' };
  const eku = { 'server auth': 'serverAuth', 'client auth': 'clientAuth' };
  const pick = (m: Record<string, string>) => usages.flatMap((u) => (m[u] ? [m[u]] : []));
  const unknown = usages.filter((u) => !(u in ku) && !(u in eku));
  if (unknown.length) throw new Error(`usages ${unknown.join(', ')} are not played by the stand-in`);
  return [
    ...(pick(ku).length ? [`keyUsage=critical,${pick(ku).join(',')}`] : []),
    ...(pick(eku).length ? [`extendedKeyUsage=${pick(eku).join(',')}`] : []),
  ];
}

/** The annotations cert-manager puts on a Certificate's Secret (the cainjector checks the first). */
function secretAnnotations(c: Certificate, issuer: Issuer): Record<string, string> {
  return {
    'cert-manager.io/certificate-name': c.metadata.name,
    'cert-manager.io/issuer-name': issuer.metadata.name,
    'cert-manager.io/issuer-kind': issuer.kind,
    'cert-manager.io/issuer-group': 'cert-manager.io',
    'cert-manager.io/common-name': c.spec.commonName ?? '',
    'cert-manager.io/alt-names': (c.spec.dnsNames ?? []).join(','),
    'cert-manager.io/ip-sans': '',
    'cert-manager.io/uri-sans': '',
  };
}

export function startCertManagerController(admin: Credentials, workDir: string): ControlLoop {
  const dir = join(workDir, 'cert-manager-standin');
  mkdirSync(dir, { recursive: true });
  const get = async <T>(path: string): Promise<T | undefined> => {
    const r = await apiRequest<T>(admin, 'GET', path);
    return r.status === 200 ? r.body : undefined;
  };
  const secretPath = (ns: string, name: string) => `/api/v1/namespaces/${ns}/secrets/${name}`;
  const setReady = (path: string, ready: boolean, reason: string, message: string, extra = {}) =>
    apiCall(
      admin,
      'PATCH',
      `${path}/status`,
      {
        status: {
          conditions: [
            {
              type: 'Ready',
              status: ready ? 'True' : 'False',
              reason,
              message,
              lastTransitionTime: new Date(),
            },
          ],
          ...extra,
        },
      },
      'application/merge-patch+json',
    );

  /** The signing key pair of a `ca` Issuer, from its Secret; undefined while the Secret is not there. */
  const caOf = async (issuer: Issuer): Promise<KeyPair | undefined> => {
    const ns = issuer.metadata.namespace ?? CLUSTER_RESOURCE_NAMESPACE;
    const name = issuer.spec.ca?.secretName ?? '';
    const d = (await get<{ data?: SecretData }>(secretPath(ns, name)))?.data;
    if (!d?.['tls.crt'] || !d['tls.key']) return undefined;
    const base = join(dir, `issuer-${ns}-${issuer.metadata.name}`);
    const pair = {
      certFile: `${base}.crt`,
      keyFile: `${base}.key`,
      cert: text(d, 'tls.crt'),
      key: text(d, 'tls.key'),
    };
    writeFileSync(pair.certFile, pair.cert);
    writeFileSync(pair.keyFile, pair.key, { mode: 0o600 });
    return pair;
  };

  /** Signs what the Certificate asks for: [the certificate and its key, the CA that goes into ca.crt]. */
  const sign = async (c: Certificate, issuer: Issuer): Promise<[KeyPair, string] | string> => {
    const name = `cert-${c.metadata.namespace}-${c.metadata.name}`;
    const subject = `/CN=${c.spec.commonName ?? ''}`;
    const lifetime = days(c.spec.duration);
    if (issuer.spec.selfSigned) {
      if (!c.spec.isCA) return 'the stand-in signs only isCA Certificates with a selfSigned Issuer';
      const pair = makeCa(dir, name, subject, lifetime, keyType(c));
      return [pair, pair.cert];
    }
    if (issuer.spec.ca) {
      const ca = await caOf(issuer);
      if (!ca) return `the CA Secret ${issuer.spec.ca.secretName} is not there yet`;
      const sans = c.spec.dnsNames ?? [];
      const ext = [
        `basicConstraints=critical,CA:${c.spec.isCA ? 'TRUE' : 'FALSE'}`,
        ...usageLines(c),
        ...(sans.length ? [`subjectAltName=${sans.map((n) => `DNS:${n}`).join(',')}`] : []),
      ];
      return [issue(dir, name, subject, ca, ext, keyType(c), lifetime), ca.cert];
    }
    return 'the stand-in plays selfSigned and ca Issuers only';
  };

  const issuerOf = async (c: Certificate): Promise<Issuer | undefined> => {
    const { name, kind = 'Issuer' } = c.spec.issuerRef;
    const path =
      kind === 'ClusterIssuer'
        ? `${CM}/clusterissuers/${name}`
        : `${CM}/namespaces/${c.metadata.namespace}/issuers/${name}`;
    const i = await get<Omit<Issuer, 'kind'>>(path);
    return i ? { ...i, kind: kind as Issuer['kind'] } : undefined;
  };

  const reconcileCertificate = async (c: Certificate) => {
    const path = `${CM}/namespaces/${c.metadata.namespace}/certificates/${c.metadata.name}`;
    const issuer = await issuerOf(c);
    if (!issuer) return setReady(path, false, 'Pending', `issuer ${c.spec.issuerRef.name} not found`);
    const want = secretAnnotations(c, issuer);
    const secret = await get<{ metadata: Meta }>(secretPath(c.metadata.namespace, c.spec.secretName));
    const have = secret?.metadata.annotations ?? {};
    if (Object.entries(want).every(([k, v]) => have[k] === v)) return; // issued, and still what is asked
    const signed = await sign(c, issuer);
    if (typeof signed === 'string') return setReady(path, false, 'Pending', signed);
    const [pair, caCert] = signed;
    await apiCall(
      admin,
      'PATCH',
      `${secretPath(c.metadata.namespace, c.spec.secretName)}?fieldManager=${MANAGER}&force=true`,
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: c.spec.secretName, namespace: c.metadata.namespace, annotations: want },
        type: 'kubernetes.io/tls',
        data: { 'tls.crt': b64(pair.cert), 'tls.key': b64(pair.key), 'ca.crt': b64(caCert) },
      },
      'application/apply-patch+yaml',
    );
    const x = new X509Certificate(pair.cert);
    await setReady(path, true, 'Ready', 'Certificate is up to date and has not expired', {
      notBefore: new Date(x.validFrom),
      notAfter: new Date(x.validTo),
      revision: 1,
    });
  };

  const reconcileIssuers = async () => {
    const namespaced = (await apiCall<{ items: Omit<Issuer, 'kind'>[] }>(admin, 'GET', `${CM}/issuers`))
      .items;
    for (const i of namespaced) {
      const path = `${CM}/namespaces/${i.metadata.namespace}/issuers/${i.metadata.name}`;
      const issuer: Issuer = { ...i, kind: 'Issuer' };
      if (issuer.spec.selfSigned) await setReady(path, true, 'IsReady', '');
      else if (issuer.spec.ca)
        await ((await caOf(issuer))
          ? setReady(path, true, 'KeyPairVerified', 'Signing CA verified')
          : setReady(
              path,
              false,
              'ErrGetKeyPair',
              `Error getting keypair for CA issuer: secret "${issuer.spec.ca.secretName}" not found`,
            ));
    }
  };

  return startControlLoop(
    async () => {
      await reconcileIssuers();
      const certs = (await apiCall<{ items: Certificate[] }>(admin, 'GET', `${CM}/certificates`)).items;
      for (const c of certs) await reconcileCertificate(c);
    },
    { lease: { admin, ...LEASE, identity: `${hostname()}-external-cert-manager-controller` } },
  );
}
