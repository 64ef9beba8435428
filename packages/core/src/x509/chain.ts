import { type CertificateInfo, loadCertificate } from './certificate.ts';
import { type GoCertificate, goCertificate } from './go-certificate.ts';
import { goQuote } from './go-quote.ts';
import { checkSignatureFrom } from './go-signature.ts';
import { nameConstraintError } from './name-constraints.ts';
import type { X509Certificate } from './peculiar.ts';

export type ChainFailure =
  | 'expired'
  | 'not-yet-valid'
  | 'unknown-authority'
  | 'incompatible-usage'
  | 'not-authorized-to-sign'
  | 'not-authorized-for-name'
  | 'too-many-intermediates'
  | 'unhandled-critical-extension'
  | 'signature-check-limit';

export interface ChainResult {
  ok: boolean;
  failure?: ChainFailure;
  /** Go's crypto/x509 wording, so users can match what metrics-server logs. */
  message: string;
  /** Leaf first, trusted root last (empty when no chain was found). */
  path: CertificateInfo[];
}

type Failure = { failure: ChainFailure; message: string };

/**
 * Go's Certificate.Verify without a DNSName, as crypto/tls calls it for a client: the leaf's own
 * validity, then a chain through the served certificates (`served[1..]`, all of them, as Go's
 * Intermediates pool) to one of `roots`, then serverAuth along the chain.
 */
export async function verifyChain(
  served: readonly CertificateInfo[],
  roots: readonly CertificateInfo[],
  now: Date,
): Promise<ChainResult> {
  const leaf = served[0];
  if (!leaf)
    return { ok: false, failure: 'unknown-authority', message: 'no certificate was presented', path: [] };
  const invalid = leafError(leaf, now);
  if (invalid) return { ok: false, ...invalid, path: [] };
  return verifyAuthority(served, roots, now);
}

/** Go's isValid for the leaf: critical extensions it does not understand, then the validity period. */
export function leafError(leaf: CertificateInfo, now: Date): Failure | undefined {
  return isValid(goCertificate(leaf), 'leaf', [], now);
}

/**
 * The part of Go's Verify after the name check: the leaf itself among the roots, else buildChains;
 * then checkChainForKeyUsage (serverAuth, the default KeyUsages) on every chain found.
 */
export async function verifyAuthority(
  served: readonly CertificateInfo[],
  roots: readonly CertificateInfo[],
  now: Date,
): Promise<ChainResult> {
  const leaf = goCertificate(served[0] as CertificateInfo);
  const pools = { roots: pool(roots), intermediates: pool(served.slice(1)), now, sigChecks: 0 };
  let chains: GoCertificate[][];
  if (pools.roots.some((r) => r.info.fingerprintSha256 === leaf.info.fingerprintSha256)) chains = [[leaf]];
  else {
    const built = await buildChains([leaf], pools);
    if (built.err) return { ok: false, ...built.err, path: [] };
    chains = built.chains;
  }
  const usable = chains.find(allowsServerAuth);
  if (!usable)
    return {
      ok: false,
      failure: 'incompatible-usage',
      message: 'x509: certificate specifies an incompatible key usage',
      path: [],
    };
  return { ok: true, message: 'certificate verified', path: usable.map((c) => c.info) };
}

/** A CertPool: certificates deduplicated by content, in the order added. */
function pool(certs: readonly CertificateInfo[]): GoCertificate[] {
  const seen = new Set<string>();
  return certs
    .filter((c) => !seen.has(c.fingerprintSha256) && seen.add(c.fingerprintSha256))
    .map(goCertificate);
}

interface Pools {
  roots: GoCertificate[];
  intermediates: GoCertificate[];
  now: Date;
  sigChecks: number;
}

/** Go's maxChainSignatureChecks. */
const MAX_SIGNATURE_CHECKS = 100;

/**
 * Go's buildChains, step for step, because which error it returns depends on its order: the last
 * candidate's isValid (or sub-chain) error wins, and only when there was none is it "unknown
 * authority", with the first signature failure as its "possibly because of" hint.
 */
async function buildChains(
  current: GoCertificate[],
  pools: Pools,
): Promise<{ chains: GoCertificate[][]; err?: Failure }> {
  const c = current.at(-1) as GoCertificate;
  const chains: GoCertificate[][] = [];
  let err: Failure | undefined;
  let hint: { err: string; cert: GoCertificate } | undefined;
  const consider = async (kind: 'root' | 'intermediate', candidate: GoCertificate) => {
    if (alreadyInChain(candidate, current)) return;
    if (++pools.sigChecks > MAX_SIGNATURE_CHECKS) {
      err = {
        failure: 'signature-check-limit',
        message: 'x509: signature check attempts limit reached while verifying certificate chain',
      };
      return;
    }
    const sigErr = await checkSignatureFrom(c, candidate);
    if (sigErr) {
      hint ??= { err: sigErr, cert: candidate };
      return;
    }
    err = isValid(candidate, kind, current, pools.now);
    if (err) return;
    if (kind === 'root') chains.push([...current, candidate]);
    else {
      const sub = await buildChains([...current, candidate], pools);
      chains.push(...sub.chains);
      err = sub.err;
    }
  };
  for (const root of potentialParents(pools.roots, c)) await consider('root', root);
  for (const inter of potentialParents(pools.intermediates, c)) await consider('intermediate', inter);
  if (chains.length > 0) return { chains };
  return { chains, err: err ?? unknownAuthority(hint) };
}

function unknownAuthority(hint: { err: string; cert: GoCertificate } | undefined): Failure {
  let message = 'x509: certificate signed by unknown authority';
  if (hint) {
    const name =
      hint.cert.commonName || hint.cert.info.subject.organizations[0] || `serial:${hint.cert.serialDecimal}`;
    message += ` (possibly because of ${goQuote(hint.err)} while trying to verify candidate authority certificate ${goQuote(name)})`;
  }
  return { failure: 'unknown-authority', message };
}

/** CertPool.findPotentialParents: same issuer name; key identifiers matching first, mismatching last. */
function potentialParents(certs: GoCertificate[], child: GoCertificate): GoCertificate[] {
  const named = certs.filter((c) => equal(c.rawSubject, child.rawIssuer));
  const rank = (c: GoCertificate) =>
    equal(c.subjectKeyId, child.authorityKeyId)
      ? 0
      : (c.subjectKeyId.length === 0) !== (child.authorityKeyId.length === 0)
        ? 1
        : 2;
  return [0, 1, 2].flatMap((r) => named.filter((c) => rank(c) === r));
}

/** The same subject, key and SANs as a certificate already in the chain (a loop). */
function alreadyInChain(candidate: GoCertificate, chain: GoCertificate[]): boolean {
  return chain.some(
    (c) =>
      equal(c.rawSubject, candidate.rawSubject) &&
      equal(c.spki, candidate.spki) &&
      (c.sanExtension === undefined || candidate.sanExtension === undefined
        ? c.sanExtension === candidate.sanExtension
        : equal(c.sanExtension, candidate.sanExtension)),
  );
}

/** Go's Certificate.isValid (of name constraints, the DNS and IP ones: kubelet certificates have no others). */
function isValid(
  c: GoCertificate,
  kind: 'leaf' | 'intermediate' | 'root',
  current: GoCertificate[],
  now: Date,
): Failure | undefined {
  if (c.hasUnhandledCriticalExtension)
    return { failure: 'unhandled-critical-extension', message: 'x509: unhandled critical extension' };
  const period = validityFailure(c.info, now);
  if (period) return period;
  if (kind !== 'leaf' && c.nameConstraints) {
    const sans = current.flatMap((x) => (x.sanExtension ? [x.sanExtension] : []));
    const refused = nameConstraintError(c.nameConstraints, sans);
    if (refused) return { failure: 'not-authorized-for-name', message: refused };
  }
  if (kind === 'intermediate' && !(c.basicConstraintsValid && c.info.isCA))
    return {
      failure: 'not-authorized-to-sign',
      message: 'x509: certificate is not authorized to sign other certificates',
    };
  if (c.basicConstraintsValid && c.maxPathLen >= 0 && current.length - 1 > c.maxPathLen)
    return {
      failure: 'too-many-intermediates',
      message: 'x509: too many intermediates for path length constraint',
    };
  return undefined;
}

/** checkChainForKeyUsage for serverAuth: each certificate with an extKeyUsage must allow it. */
function allowsServerAuth(chain: GoCertificate[]): boolean {
  return chain.every(
    ({ info: { extendedKeyUsages: eku } }) => eku.length === 0 || eku.some((u) => SERVER_AUTH.has(u)),
  );
}

/** Usages Go 1.19 counts as serverAuth (not the old Server Gated Crypto ones: the oracle test checks). */
const SERVER_AUTH = new Set(['any', 'server auth']);

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}

/**
 * Whether `cert` names one of `cas` as issuer and carries its valid signature (validity periods,
 * CA flags and algorithm policy aside: this classifies who issued a certificate, it does not verify it).
 */
export async function issuedByAny(cert: CertificateInfo, cas: readonly CertificateInfo[]): Promise<boolean> {
  // Names first (sliced from the DER): most certificates are ruled out without decoding them.
  const child = goCertificate(cert);
  const candidates = cas.filter((ca) => equal(child.rawIssuer, goCertificate(ca).rawSubject));
  if (candidates.length === 0) return false;
  const decoded = loadCertificate(cert.der);
  for (const ca of candidates) if (await signedBy(decoded, loadCertificate(ca.der))) return true;
  return false;
}

async function signedBy(child: X509Certificate, parent: X509Certificate): Promise<boolean> {
  try {
    return await child.verify({ publicKey: parent.publicKey, signatureOnly: true });
  } catch {
    return false;
  }
}

/**
 * Signed by a self-issued CA that the server presented along with it: kubeadm's kubelet without
 * serverTLSBootstrap serves "<node>@<time>" with its own "<node>-ca@<time>", self-signed in effect.
 */
export function issuedByServedCa(leaf: CertificateInfo, servedWith: readonly CertificateInfo[]): boolean {
  return servedWith.some((ca) => ca.selfIssued && ca.subject.text === leaf.issuer.text);
}

function validityFailure(c: CertificateInfo, now: Date): Failure | undefined {
  const t = goTime(now);
  if (now < c.notBefore) {
    return {
      failure: 'not-yet-valid',
      message: `x509: certificate has expired or is not yet valid: current time ${t} is before ${goTime(c.notBefore)}`,
    };
  }
  if (now > c.notAfter) {
    return {
      failure: 'expired',
      message: `x509: certificate has expired or is not yet valid: current time ${t} is after ${goTime(c.notAfter)}`,
    };
  }
  return undefined;
}

/** RFC 3339 in UTC without fractional seconds, as Go formats times in this error. */
function goTime(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
