import { type CertificateInfo, certificateNames, loadCertificate } from './certificate.ts';
import type { X509Certificate } from './peculiar.ts';

export type ChainFailure = 'expired' | 'not-yet-valid' | 'unknown-authority';

export interface ChainResult {
  ok: boolean;
  failure?: ChainFailure;
  /** Go's crypto/x509 wording, so users can match what metrics-server logs. */
  message: string;
  /** Leaf first, trusted root last (empty when no chain was found). */
  path: CertificateInfo[];
}

const MAX_DEPTH = 8;

/**
 * Verifies `served[0]` (the leaf) against `roots`, using `served[1..]` as intermediates, the way
 * Go's Certificate.Verify does for a TLS client: validity period first, then a signature path to
 * a root. Intermediates must be CA certificates. Self-signed leaves only pass if they are roots.
 */
export async function verifyChain(
  served: readonly CertificateInfo[],
  roots: readonly CertificateInfo[],
  now: Date,
): Promise<ChainResult> {
  const leaf = served[0];
  if (!leaf)
    return { ok: false, failure: 'unknown-authority', message: 'no certificate was presented', path: [] };
  const period = validityFailure(leaf, now);
  if (period) return { ...period, path: [] };
  const pool = [...served.slice(1).filter((c) => c.isCA), ...roots];
  const path = await findPath(leaf, pool, roots, now, 0);
  if (path) return { ok: true, message: 'certificate verified', path };
  return {
    ok: false,
    failure: 'unknown-authority',
    message: 'x509: certificate signed by unknown authority',
    path: [],
  };
}

async function findPath(
  cert: CertificateInfo,
  pool: readonly CertificateInfo[],
  roots: readonly CertificateInfo[],
  now: Date,
  depth: number,
): Promise<CertificateInfo[] | undefined> {
  if (roots.some((r) => r.fingerprintSha256 === cert.fingerprintSha256)) return [cert];
  if (depth >= MAX_DEPTH) return undefined;
  const child = loadCertificate(cert.der);
  for (const candidate of pool) {
    if (candidate.fingerprintSha256 === cert.fingerprintSha256) continue;
    if (validityFailure(candidate, now)) continue;
    if (!sameName(cert, candidate)) continue;
    if (!(await signedBy(child, loadCertificate(candidate.der)))) continue;
    const rest = await findPath(candidate, pool, roots, now, depth + 1);
    if (rest) return [cert, ...rest];
  }
  return undefined;
}

/** Whether `cert` names one of `cas` as issuer and carries its valid signature (validity periods aside). */
export async function issuedByAny(cert: CertificateInfo, cas: readonly CertificateInfo[]): Promise<boolean> {
  // Names first (sliced from the DER): most certificates are ruled out without decoding them.
  const candidates = cas.filter((ca) => sameName(cert, ca));
  if (candidates.length === 0) return false;
  const child = loadCertificate(cert.der);
  for (const ca of candidates) if (await signedBy(child, loadCertificate(ca.der))) return true;
  return false;
}

/**
 * Signed by a self-issued CA that the server presented along with it: kubeadm's kubelet without
 * serverTLSBootstrap serves "<node>@<time>" with its own "<node>-ca@<time>", self-signed in effect.
 */
export function issuedByServedCa(leaf: CertificateInfo, servedWith: readonly CertificateInfo[]): boolean {
  return servedWith.some((ca) => ca.selfIssued && ca.subject.text === leaf.issuer.text);
}

/** Whether `child` names `parent` as its issuer, byte for byte. */
function sameName(child: CertificateInfo, parent: CertificateInfo): boolean {
  return Buffer.from(certificateNames(child.der).issuer).equals(
    Buffer.from(certificateNames(parent.der).subject),
  );
}

async function signedBy(child: X509Certificate, parent: X509Certificate): Promise<boolean> {
  try {
    return await child.verify({ publicKey: parent.publicKey, signatureOnly: true });
  } catch {
    return false;
  }
}

/** Go's error when `now` is outside the certificate's validity period, else undefined. */
export function validityError(c: CertificateInfo, now: Date): string | undefined {
  return validityFailure(c, now)?.message;
}

function validityFailure(c: CertificateInfo, now: Date): Omit<ChainResult, 'path'> | undefined {
  const t = goTime(now);
  if (now > c.notAfter) {
    return {
      ok: false,
      failure: 'expired',
      message: `x509: certificate has expired or is not yet valid: current time ${t} is after ${goTime(c.notAfter)}`,
    };
  }
  if (now < c.notBefore) {
    return {
      ok: false,
      failure: 'not-yet-valid',
      message: `x509: certificate has expired or is not yet valid: current time ${t} is before ${goTime(c.notBefore)}`,
    };
  }
  return undefined;
}

/** RFC 3339 in UTC without fractional seconds, as Go formats times in this error. */
function goTime(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
