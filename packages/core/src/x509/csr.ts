import { verify as cryptoVerify } from 'node:crypto';
import { children, decodeOid, expectTag, single, TAG, type Tlv } from './der.ts';
import { type DistinguishedName, parseName } from './distinguished-name.ts';
import { X509InputError } from './errors.ts';
import { derBlocks, type X509Input } from './pem.ts';
import { describePublicKey, type PublicKeyInfo } from './public-key.ts';
import {
  emptySans,
  parseSubjectAltNames,
  SUBJECT_ALT_NAME_OID,
  type SubjectAltNames,
} from './subject-alt-names.ts';

export interface CsrInfo {
  subject: DistinguishedName;
  sans: SubjectAltNames;
  publicKey: PublicKeyInfo;
  /** OIDs of every requested extension (a CSR may ask for more than SANs). */
  extensionOids: string[];
  /** Signature algorithm OID. */
  signatureAlgorithm: string;
  der: Uint8Array;
  /** The signed bytes (CertificationRequestInfo, exactly as encoded), the key and the signature. */
  tbs: Uint8Array;
  spki: Uint8Array;
  signature: Uint8Array;
}

// Go's x509 and older openssl write "NEW CERTIFICATE REQUEST"; both are PKCS#10.
const CSR_TYPES = ['CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST'] as const;
const EXTENSION_REQUEST = '1.2.840.113549.1.9.14';
const ATTRIBUTES = 0xa0; // [0] IMPLICIT SET OF Attribute

/** Parses exactly one PKCS#10 request (PEM or DER). */
export function parseCsr(input: X509Input): CsrInfo {
  const blocks = derBlocks(input, 'a CERTIFICATE REQUEST', CSR_TYPES);
  if (blocks.length !== 1)
    throw new X509InputError('malformed', `expected one CERTIFICATE REQUEST, found ${blocks.length}`);
  try {
    return readCsr(blocks[0] as Uint8Array);
  } catch (e) {
    if (e instanceof X509InputError) throw e;
    throw new X509InputError(
      'malformed',
      `not a valid PKCS#10 certificate request (${(e as Error).message})`,
    );
  }
}

/**
 * CertificationRequest ::= SEQUENCE { info SEQUENCE { version 0, subject Name, spki, [0] attributes },
 * signatureAlgorithm, signature BIT STRING }, read strictly. Every extension requested (in any
 * extensionRequest attribute, as Go merges them) must appear once: Go keeps the *last*
 * subjectAltName, so two of them could show us one name and get the signer to issue another.
 */
function readCsr(der: Uint8Array): CsrInfo {
  const [info, sigAlg, sig, ...extra] = children(single(der, TAG.SEQUENCE, 'CertificationRequest').value);
  if (extra.length) throw new X509InputError('malformed', 'unexpected fields after the signature');
  const [version, subject, spki, attrs, ...more] = children(
    expectTag(info, TAG.SEQUENCE, 'CertificationRequestInfo').value,
  );
  if (more.length) throw new X509InputError('malformed', 'unexpected fields in CertificationRequestInfo');
  const v = expectTag(version, TAG.INTEGER, 'version').value;
  if (v.length !== 1 || v[0] !== 0)
    throw new X509InputError('malformed', 'unsupported CSR version (only v1 exists)');
  const extensions = requestedExtensions(expectTag(attrs, ATTRIBUTES, 'attributes'));
  const seen = new Set<string>();
  for (const e of extensions) {
    if (seen.has(e.oid))
      throw new X509InputError('malformed', `the extension ${e.oid} is requested more than once`);
    seen.add(e.oid);
  }
  const san = extensions.find((e) => e.oid === SUBJECT_ALT_NAME_OID);
  const sigBits = expectTag(sig, TAG.BIT_STRING, 'signature').value;
  if (sigBits[0] !== 0) throw new X509InputError('malformed', 'signature BIT STRING has unused bits');
  const spkiTlv = expectTag(spki, TAG.SEQUENCE, 'SubjectPublicKeyInfo');
  return {
    subject: parseName(expectTag(subject, TAG.SEQUENCE, 'subject').raw),
    sans: san ? parseSubjectAltNames(san.value) : emptySans(),
    publicKey: describePublicKey(spkiTlv.raw),
    extensionOids: extensions.map((e) => e.oid),
    signatureAlgorithm: decodeOid(
      expectTag(
        children(expectTag(sigAlg, TAG.SEQUENCE, 'signatureAlgorithm').value)[0],
        TAG.OID,
        'algorithm',
      ),
    ),
    der,
    tbs: (info as Tlv).raw,
    spki: spkiTlv.raw,
    signature: sigBits.subarray(1),
  };
}

function requestedExtensions(attrs: Tlv): { oid: string; value: Uint8Array }[] {
  const out: { oid: string; value: Uint8Array }[] = [];
  for (const attr of children(attrs.value)) {
    const [type, values] = children(expectTag(attr, TAG.SEQUENCE, 'attribute').value);
    if (decodeOid(expectTag(type, TAG.OID, 'attribute type')) !== EXTENSION_REQUEST) continue;
    for (const exts of children(expectTag(values, TAG.SET, 'attribute values').value)) {
      for (const ext of children(expectTag(exts, TAG.SEQUENCE, 'Extensions').value)) {
        const parts = children(expectTag(ext, TAG.SEQUENCE, 'Extension').value);
        const value = parts[parts.length - 1];
        out.push({
          oid: decodeOid(expectTag(parts[0], TAG.OID, 'extnID')),
          value: expectTag(value, TAG.OCTET_STRING, 'extnValue').value,
        });
      }
    }
  }
  return out;
}

/** Signature algorithms a kubelet may use: the hash to verify with, and the key type it needs. */
const SIGNATURE_ALGORITHMS: Record<string, { hash: string | null; key: PublicKeyInfo['algorithm'] }> = {
  '1.2.840.10045.4.3.2': { hash: 'sha256', key: 'ECDSA' },
  '1.2.840.10045.4.3.3': { hash: 'sha384', key: 'ECDSA' },
  '1.2.840.10045.4.3.4': { hash: 'sha512', key: 'ECDSA' },
  '1.2.840.113549.1.1.11': { hash: 'sha256', key: 'RSA' },
  '1.2.840.113549.1.1.12': { hash: 'sha384', key: 'RSA' },
  '1.2.840.113549.1.1.13': { hash: 'sha512', key: 'RSA' },
  '1.3.101.112': { hash: null, key: 'Ed25519' },
};

/** What node:crypto verifies a request's signature with; undefined when its algorithm is not one a kubelet may use. */
function verifyArgs(csr: CsrInfo) {
  const alg = SIGNATURE_ALGORITHMS[csr.signatureAlgorithm];
  if (!alg || alg.key !== csr.publicKey.algorithm) return undefined;
  const key = { key: Buffer.from(csr.spki), format: 'der', type: 'spki' } as const;
  return [alg.hash, csr.tbs, key, csr.signature] as const;
}

/**
 * Whether the request is signed by the key it contains (proof the requester holds that key),
 * over the exact bytes it was signed as. SHA-1, RSA-PSS and anything unknown count as not
 * verified. node:crypto's callback form runs in the threadpool, so many overlap.
 */
export function verifyCsrSignature(csr: CsrInfo): Promise<boolean> {
  const args = verifyArgs(csr);
  if (!args) return Promise.resolve(false);
  return new Promise((resolve) => {
    try {
      cryptoVerify(...args, (err, ok) => resolve(!err && ok));
    } catch {
      resolve(false);
    }
  });
}

/** The same check on this thread. */
function verifyCsrSignatureNow(csr: CsrInfo): boolean {
  const args = verifyArgs(csr);
  try {
    return args !== undefined && cryptoVerify(...args);
  } catch {
    return false;
  }
}

/**
 * Smaller batches are verified on this thread: handing a check to the threadpool and back cost
 * more CPU than the check (about 220-330 µs a P-256 request, against 120-160 µs in-line), which
 * pays off only when many overlap on a free core. The approver decides a burst a few CSRs at a
 * time, and its CPU is what the API server beside it lacks.
 */
export const THREADPOOL_BATCH = 16;

/** Verifies many signatures, in order; from THREADPOOL_BATCH on with at most `concurrency` in flight in the threadpool. */
export async function verifyCsrSignatures(csrs: readonly CsrInfo[], concurrency = 64): Promise<boolean[]> {
  if (csrs.length < THREADPOOL_BATCH) return csrs.map(verifyCsrSignatureNow);
  const results: boolean[] = new Array(csrs.length).fill(false);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < csrs.length; i = next++)
      results[i] = await verifyCsrSignature(csrs[i] as CsrInfo);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, csrs.length) }, worker));
  return results;
}
