import { constants, createPublicKey, type KeyObject, verify } from 'node:crypto';
import { children, decodeOid, expectTag, single, TAG, type Tlv } from './der.ts';
import type { GoCertificate } from './go-certificate.ts';

type KeyAlgorithm = NonNullable<GoCertificate['publicKeyAlgorithm']>;

/** Go's signatureAlgorithmDetails: name (SignatureAlgorithm.String()), hash and key algorithm. */
interface SignatureAlgorithm {
  name: string;
  hash: 'md2' | 'md5' | 'sha1' | 'sha256' | 'sha384' | 'sha512' | undefined;
  key: KeyAlgorithm;
  pss?: boolean;
}

const ALGORITHMS: Record<string, SignatureAlgorithm> = {
  '1.2.840.113549.1.1.2': { name: 'MD2-RSA', hash: 'md2', key: 'RSA' },
  '1.2.840.113549.1.1.4': { name: 'MD5-RSA', hash: 'md5', key: 'RSA' },
  '1.2.840.113549.1.1.5': { name: 'SHA1-RSA', hash: 'sha1', key: 'RSA' },
  '1.3.14.3.2.29': { name: 'SHA1-RSA', hash: 'sha1', key: 'RSA' },
  '1.2.840.113549.1.1.11': { name: 'SHA256-RSA', hash: 'sha256', key: 'RSA' },
  '1.2.840.113549.1.1.12': { name: 'SHA384-RSA', hash: 'sha384', key: 'RSA' },
  '1.2.840.113549.1.1.13': { name: 'SHA512-RSA', hash: 'sha512', key: 'RSA' },
  '1.2.840.10040.4.3': { name: 'DSA-SHA1', hash: 'sha1', key: 'DSA' },
  '2.16.840.1.101.3.4.3.2': { name: 'DSA-SHA256', hash: 'sha256', key: 'DSA' },
  '1.2.840.10045.4.1': { name: 'ECDSA-SHA1', hash: 'sha1', key: 'ECDSA' },
  '1.2.840.10045.4.3.2': { name: 'ECDSA-SHA256', hash: 'sha256', key: 'ECDSA' },
  '1.2.840.10045.4.3.3': { name: 'ECDSA-SHA384', hash: 'sha384', key: 'ECDSA' },
  '1.2.840.10045.4.3.4': { name: 'ECDSA-SHA512', hash: 'sha512', key: 'ECDSA' },
  '1.3.101.112': { name: 'Ed25519', hash: undefined, key: 'Ed25519' },
};
const RSA_PSS = '1.2.840.113549.1.1.10';
const PSS_HASHES: Record<string, SignatureAlgorithm> = {
  '2.16.840.1.101.3.4.2.1': { name: 'SHA256-RSAPSS', hash: 'sha256', key: 'RSA', pss: true },
  '2.16.840.1.101.3.4.2.2': { name: 'SHA384-RSAPSS', hash: 'sha384', key: 'RSA', pss: true },
  '2.16.840.1.101.3.4.2.3': { name: 'SHA512-RSAPSS', hash: 'sha512', key: 'RSA', pss: true },
};
/** Go's %T of the parent's public key, in its key-type mismatch error. */
const GO_KEY_TYPE: Record<Exclude<KeyAlgorithm, 'DSA'>, string> = {
  RSA: '*rsa.PublicKey',
  ECDSA: '*ecdsa.PublicKey',
  Ed25519: 'ed25519.PublicKey',
};
/** ErrUnsupportedAlgorithm. */
const UNSUPPORTED = 'x509: cannot verify signature: algorithm unimplemented';
/** What each key type's verifier returns for a wrong signature. */
const FAILURE: Record<KeyAlgorithm, string> = {
  RSA: 'crypto/rsa: verification error',
  DSA: UNSUPPORTED,
  ECDSA: 'x509: ECDSA verification failure',
  Ed25519: 'x509: Ed25519 verification failure',
};

/** ConstraintViolationError: the parent may not sign certificates (not a CA, or keyUsage without certSign). */
export const CONSTRAINT_VIOLATION =
  'x509: invalid signature: parent certificate cannot sign this kind of certificate';

/**
 * Go's Certificate.CheckSignatureFrom: undefined when `parent` signed `child`, else Go's error text
 * (which becomes the "possibly because of" hint of an unknown-authority error).
 */
export async function checkSignatureFrom(
  child: GoCertificate,
  parent: GoCertificate,
): Promise<string | undefined> {
  if (
    (parent.version === 3 && !parent.basicConstraintsValid) ||
    (parent.basicConstraintsValid && !parent.info.isCA)
  )
    return CONSTRAINT_VIOLATION;
  if (parent.info.keyUsages.length > 0 && !parent.info.keyUsages.includes('cert sign'))
    return CONSTRAINT_VIOLATION;
  if (!parent.publicKeyAlgorithm) return UNSUPPORTED;
  return checkSignature(child, parent, parent.publicKeyAlgorithm);
}

/** Go's checkSignature with SHA-1 not allowed (Go >= 1.18 without GODEBUG=x509sha1=1). */
async function checkSignature(
  child: GoCertificate,
  parent: GoCertificate,
  key: KeyAlgorithm,
): Promise<string | undefined> {
  const algo = signatureAlgorithm(child.signatureAlgorithm.oid, child.signatureAlgorithm.params);
  if (!algo || (algo.hash === undefined && algo.key !== 'Ed25519') || algo.hash === 'md2') return UNSUPPORTED;
  if (algo.hash === 'md5' || algo.hash === 'sha1') return insecure(algo.name);
  // Go's type switch has no case for DSA keys (verification was removed in Go 1.16).
  if (key === 'DSA') return UNSUPPORTED;
  if (algo.key !== key)
    return `x509: signature algorithm specifies an ${algo.key} public key, but have public key of type ${GO_KEY_TYPE[key]}`;
  const ok = await verifies(algo, child, parent.spki);
  return ok ? undefined : FAILURE[key];
}

function insecure(name: string): string {
  const override =
    name === 'SHA1-RSA' || name === 'ECDSA-SHA1' ? ' (temporarily override with GODEBUG=x509sha1=1)' : '';
  return `x509: cannot verify signature: insecure algorithm ${name}${override}`;
}

/** getSignatureAlgorithmFromAI: the OID, with Ed25519's parameters absent and RSA-PSS's as Go accepts them. */
function signatureAlgorithm(oid: string, params: Tlv | undefined): SignatureAlgorithm | undefined {
  if (oid === ED25519) return params ? undefined : ALGORITHMS[oid];
  if (oid !== RSA_PSS) return ALGORITHMS[oid];
  try {
    return pssAlgorithm(params);
  } catch {
    return undefined;
  }
}

/**
 * Go reads RSASSA-PSS-params as SEQUENCE { [0] hash, [1] MGF, [2] saltLength, [3] trailerField
 * OPTIONAL } and accepts only SHA-256/384/512 with MGF1 of the same hash, the salt as long as
 * the hash and the trailer 1; anything else is an unknown algorithm.
 */
function pssAlgorithm(params: Tlv | undefined): SignatureAlgorithm | undefined {
  const [hash, mgf, salt, trailer, ...rest] = children(
    expectTag(params, TAG.SEQUENCE, 'RSASSA-PSS-params').value,
  );
  if (hash?.tag !== 0xa0 || mgf?.tag !== 0xa1 || salt?.tag !== 0xa2 || rest.length) return undefined;
  if (trailer && (trailer.tag !== 0xa3 || integer(trailer) !== 1)) return undefined;
  const hashOid = algorithmId(single(hash.value, TAG.SEQUENCE, 'hashAlgorithm'));
  const [mgfOid, mgfParams] = children(single(mgf.value, TAG.SEQUENCE, 'maskGenAlgorithm').value);
  if (
    !hashOid ||
    decodeOid(mgfOid as Tlv) !== MGF1 ||
    algorithmId(expectTag(mgfParams, TAG.SEQUENCE, 'MGF1 hash')) !== hashOid
  )
    return undefined;
  const algo = PSS_HASHES[hashOid];
  return algo && integer(salt) === SALT[hashOid] ? algo : undefined;
}

/** An AlgorithmIdentifier's OID, when its parameters are absent or NULL (else undefined). */
function algorithmId(t: Tlv): string | undefined {
  const [oid, params, ...rest] = children(t.value);
  if (rest.length || (params && !(params.tag === TAG.NULL && params.value.length === 0))) return undefined;
  return decodeOid(oid as Tlv);
}

/** The INTEGER inside an explicit tag. */
function integer(explicit: Tlv): number {
  return single(explicit.value, TAG.INTEGER, 'INTEGER').value.reduce((n, b) => n * 256 + b, 0);
}

const MGF1 = '1.2.840.113549.1.1.8';
const SALT: Record<string, number> = {
  '2.16.840.1.101.3.4.2.1': 32,
  '2.16.840.1.101.3.4.2.2': 48,
  '2.16.840.1.101.3.4.2.3': 64,
};
const ED25519 = '1.3.101.112';

/** The signature check itself, in node:crypto's threadpool. */
function verifies(algo: SignatureAlgorithm, child: GoCertificate, spki: Uint8Array): Promise<boolean> {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
  } catch {
    return Promise.resolve(false);
  }
  const options = algo.pss
    ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }
    : algo.key === 'ECDSA'
      ? { key, dsaEncoding: 'der' as const }
      : key;
  return new Promise((resolve) => {
    try {
      verify(algo.hash ?? null, child.rawTbs, options, child.signature, (err, ok) => resolve(!err && ok));
    } catch {
      resolve(false);
    }
  });
}
