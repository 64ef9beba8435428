import type { webcrypto } from 'node:crypto';
import * as x509 from '../x509/peculiar.ts';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

/** The subject CN of the CA that `secure metrics-server` creates when cert-manager is not there. */
export const SERVING_CA_NAME = 'kubectl-certs metrics-server CA';

const DAY_MS = 86_400_000;

/** How long what we issue lives (a setting so that tests can issue certificates of seconds). */
export interface ServingValidity {
  caMs: number;
  servingMs: number;
}
export const DEFAULT_SERVING_VALIDITY: ServingValidity = { caMs: 3650 * DAY_MS, servingMs: 365 * DAY_MS };

/** A certificate and its private key, PEM (the key as PKCS #8, which Go's tls.X509KeyPair reads). */
export interface PemKeyPair {
  cert: string;
  key: string;
}

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING = { name: 'ECDSA', hash: 'SHA-256' } as const;

// WebCrypto is the runtime's, not I/O: key generation and signing take no file, socket or clock.
const subtle = () => globalThis.crypto.subtle;

/** PEM as files hold it (and openssl writes it): ending in a line break. */
const line = (pem: string) => (pem.endsWith('\n') ? pem : `${pem}\n`);

async function newKeys(): Promise<CryptoKeyPair> {
  return subtle().generateKey(ALGORITHM, true, ['sign', 'verify']);
}

async function keyPem(key: CryptoKey): Promise<string> {
  const der = await subtle().exportKey('pkcs8', key);
  return line(x509.PemConverter.encode(der, 'PRIVATE KEY'));
}

async function signingKey(pem: string): Promise<CryptoKey> {
  const der = x509.PemConverter.decodeFirst(pem);
  return subtle().importKey('pkcs8', der, ALGORITHM, false, ['sign']);
}

/** A random positive serial of 128 bits (RFC 5280: at most 20 octets, positive). */
function serial(): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return Buffer.from(bytes).toString('hex');
}

/**
 * A small CA for metrics-server's serving certificate: ECDSA P-256, basicConstraints CA (path
 * length 0: it signs leaves only), keyCertSign. Its certificate goes into the APIService's
 * caBundle; its key stays in a Secret only the approver may read.
 */
export async function createServingCa(
  now: Date,
  validityMs = DEFAULT_SERVING_VALIDITY.caMs,
): Promise<PemKeyPair> {
  const keys = await newKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: serial(),
      name: [{ CN: [SERVING_CA_NAME] }],
      notBefore: now,
      notAfter: new Date(now.getTime() + validityMs),
      signingAlgorithm: SIGNING,
      keys,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, globalThis.crypto),
      ],
    },
    globalThis.crypto,
  );
  return { cert: line(cert.toString('pem')), key: await keyPem(keys.privateKey) };
}

/**
 * metrics-server's serving certificate from that CA, for the names the aggregator dials
 * (<svc>.<ns>.svc first, also its CN). It never outlives its CA: a chain with an expired CA fails.
 */
export async function issueServingCertificate(
  ca: PemKeyPair,
  names: readonly string[],
  now: Date,
  validityMs = DEFAULT_SERVING_VALIDITY.servingMs,
): Promise<PemKeyPair> {
  const caCert = new x509.X509Certificate(ca.cert);
  const keys = await newKeys();
  const notAfter = Math.min(now.getTime() + validityMs, caCert.notAfter.getTime());
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: serial(),
      subject: [{ CN: [names[0] ?? ''] }],
      issuer: caCert.subjectName,
      notBefore: now,
      notAfter: new Date(notAfter),
      signingAlgorithm: SIGNING,
      publicKey: keys.publicKey,
      signingKey: await signingKey(ca.key),
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
        new x509.SubjectAlternativeNameExtension(
          names.map((n) => ({ type: 'dns' as const, value: n })),
          false,
        ),
        await x509.AuthorityKeyIdentifierExtension.create(caCert, false, globalThis.crypto),
      ],
    },
    globalThis.crypto,
  );
  return { cert: line(cert.toString('pem')), key: await keyPem(keys.privateKey) };
}
