import { createHash } from 'node:crypto';
import { children, decodeOid, expectTag, single, TAG, type Tlv } from './der.ts';
import { type DistinguishedName, parseName } from './distinguished-name.ts';
import { X509InputError } from './errors.ts';
import { BASIC_CONSTRAINTS_OID, EXTENDED_KEY_USAGE_OID, KEY_USAGE_OID } from './extension-names.ts';
import { extendedKeyUsageNames, keyUsageNames } from './key-usage.ts';
import { X509Certificate } from './peculiar.ts';
import { derBlocks, type X509Input } from './pem.ts';
import { describePublicKey, type PublicKeyInfo } from './public-key.ts';
import {
  emptySans,
  parseSubjectAltNames,
  SUBJECT_ALT_NAME_OID,
  type SubjectAltNames,
} from './subject-alt-names.ts';

export interface CertificateInfo {
  subject: DistinguishedName;
  issuer: DistinguishedName;
  /** Hex, as openssl prints it. */
  serialNumber: string;
  notBefore: Date;
  notAfter: Date;
  sans: SubjectAltNames;
  keyUsages: string[];
  extendedKeyUsages: string[];
  isCA: boolean;
  publicKey: PublicKeyInfo;
  signatureAlgorithm: string;
  /** SHA-256 of the DER, upper-case hex pairs joined by ":" (openssl's -fingerprint format). */
  fingerprintSha256: string;
  /** Issuer name equals subject name (a self-signed or self-issued certificate). */
  selfIssued: boolean;
  der: Uint8Array;
}

const CERT_TYPES = ['CERTIFICATE'] as const;

/** Every certificate in a PEM bundle (or one DER certificate), in order. */
export function parseCertificates(input: X509Input): CertificateInfo[] {
  return derBlocks(input, 'a CERTIFICATE', CERT_TYPES).map(describeCertificate);
}

/** The first certificate of the input (a served chain starts with its leaf). */
export function parseCertificate(input: X509Input): CertificateInfo {
  const [first] = parseCertificates(input);
  if (!first) throw new X509InputError('empty', 'no certificate in the input');
  return first;
}

/**
 * Reads a certificate with the strict DER reader (a scan reads thousands: a generic ASN.1 schema
 * parser spent most of a 1,000-kubelet scan here). Like Go's crypto/x509, which is what
 * metrics-server and the API server use, it refuses duplicate extensions.
 */
export function describeCertificate(der: Uint8Array): CertificateInfo {
  const tbs = readTbs(der);
  const ext = tbs.extensions;
  const names = { subject: tbs.subject.raw, issuer: tbs.issuer.raw };
  const ku = ext.get(KEY_USAGE_OID);
  const eku = ext.get(EXTENDED_KEY_USAGE_OID);
  const bc = ext.get(BASIC_CONSTRAINTS_OID);
  return {
    subject: parseName(names.subject),
    issuer: parseName(names.issuer),
    serialNumber: serialHex(tbs.serial),
    notBefore: tbs.notBefore,
    notAfter: tbs.notAfter,
    sans: ext.has(SUBJECT_ALT_NAME_OID)
      ? parseSubjectAltNames(ext.get(SUBJECT_ALT_NAME_OID) as Uint8Array)
      : emptySans(),
    keyUsages: ku ? keyUsageNames(keyUsageFlags(ku)) : [],
    extendedKeyUsages: eku ? extendedKeyUsageNames(extendedKeyUsageOids(eku)) : [],
    isCA: bc ? basicConstraintsCa(bc) : false,
    publicKey: describePublicKey(tbs.spki),
    signatureAlgorithm: signatureAlgorithmName(tbs.signatureAlgorithm),
    fingerprintSha256: fingerprint(der),
    selfIssued: Buffer.from(names.subject).equals(Buffer.from(names.issuer)),
    der,
  };
}

interface Tbs {
  serial: Uint8Array;
  signatureAlgorithm: Tlv;
  issuer: Tlv;
  subject: Tlv;
  notBefore: Date;
  notAfter: Date;
  spki: Uint8Array;
  /** extnValue contents by OID. */
  extensions: Map<string, Uint8Array>;
}

/** Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }, read strictly. */
function readTbs(der: Uint8Array): Tbs {
  try {
    const [tbsTlv, sigAlg] = children(single(der, TAG.SEQUENCE, 'Certificate').value);
    const fields = children(expectTag(tbsTlv, TAG.SEQUENCE, 'TBSCertificate').value);
    const o = fields[0]?.tag === 0xa0 ? 1 : 0; // [0] EXPLICIT version is optional (v1)
    const validity = children(expectTag(fields[o + 3], TAG.SEQUENCE, 'validity').value);
    const extensionsTlv = fields.slice(o + 6).find((f) => f.tag === 0xa3);
    return {
      serial: expectTag(fields[o], TAG.INTEGER, 'serialNumber').value,
      signatureAlgorithm: expectTag(sigAlg, TAG.SEQUENCE, 'signatureAlgorithm'),
      issuer: expectTag(fields[o + 2], TAG.SEQUENCE, 'issuer'),
      subject: expectTag(fields[o + 4], TAG.SEQUENCE, 'subject'),
      notBefore: decodeTime(validity[0], 'notBefore'),
      notAfter: decodeTime(validity[1], 'notAfter'),
      spki: expectTag(fields[o + 5], TAG.SEQUENCE, 'subjectPublicKeyInfo').raw,
      extensions: extensionsTlv ? readExtensions(extensionsTlv) : new Map(),
    };
  } catch (e) {
    if (e instanceof X509InputError)
      throw new X509InputError('malformed', `not a valid X.509 certificate (${e.message})`);
    throw e;
  }
}

function readExtensions(explicit: Tlv): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  const [seq] = children(explicit.value);
  for (const e of children(expectTag(seq, TAG.SEQUENCE, 'extensions').value)) {
    const parts = children(expectTag(e, TAG.SEQUENCE, 'extension').value);
    const oid = decodeOid(parts[0] as Tlv);
    if (out.has(oid)) throw new X509InputError('malformed', `duplicate extension ${oid}`);
    out.set(oid, expectTag(parts[parts.length - 1], TAG.OCTET_STRING, 'extnValue').value);
  }
  return out;
}

const UTC_TIME = 0x17;
const GENERALIZED_TIME = 0x18;

/** UTCTime (YYMMDDHHMMSSZ, years 1950-2049) or GeneralizedTime (YYYYMMDDHHMMSS[.f]Z). */
function decodeTime(t: Tlv | undefined, what: string): Date {
  const text = t ? Buffer.from(t.value).toString('latin1') : '';
  const m =
    t?.tag === UTC_TIME
      ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text)
      : t?.tag === GENERALIZED_TIME
        ? /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.(\d+))?Z$/.exec(text)
        : null;
  if (!m) throw new X509InputError('malformed', `${what} is not a UTCTime or GeneralizedTime`);
  const n = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const year = t?.tag === UTC_TIME ? (n[0] < 50 ? 2000 + n[0] : 1900 + n[0]) : n[0];
  const ms = m[7] ? Math.round(Number(`0.${m[7]}`) * 1000) : 0;
  return new Date(Date.UTC(year, n[1] - 1, n[2], n[3], n[4], n[5], ms));
}

/** Hex of the serial's bytes without the sign byte (openssl prints it so). */
function serialHex(v: Uint8Array): string {
  const bytes = v.length > 1 && v[0] === 0 ? v.subarray(1) : v;
  return Buffer.from(bytes).toString('hex');
}

/** KeyUsage BIT STRING → flags with bit 0 (digitalSignature) as 1, as @peculiar/x509 numbers them. */
function keyUsageFlags(extnValue: Uint8Array): number {
  const bits = single(extnValue, TAG.BIT_STRING, 'keyUsage').value.subarray(1);
  let flags = 0;
  for (let i = 0; i < Math.min(bits.length * 8, 9); i++)
    if (((bits[i >> 3] as number) >> (7 - (i & 7))) & 1) flags |= 1 << i;
  return flags;
}

function extendedKeyUsageOids(extnValue: Uint8Array): string[] {
  return children(single(extnValue, TAG.SEQUENCE, 'extKeyUsage').value).map(decodeOid);
}

function basicConstraintsCa(extnValue: Uint8Array): boolean {
  const [first] = children(single(extnValue, TAG.SEQUENCE, 'basicConstraints').value);
  return first?.tag === TAG.BOOLEAN && first.value[0] !== 0;
}

const SIGNATURE_ALGORITHMS: Record<string, string> = {
  '1.2.840.113549.1.1.5': 'RSASSA-PKCS1-v1_5 SHA-1',
  '1.2.840.113549.1.1.11': 'RSASSA-PKCS1-v1_5 SHA-256',
  '1.2.840.113549.1.1.12': 'RSASSA-PKCS1-v1_5 SHA-384',
  '1.2.840.113549.1.1.13': 'RSASSA-PKCS1-v1_5 SHA-512',
  '1.2.840.10045.4.1': 'ECDSA SHA-1',
  '1.2.840.10045.4.3.2': 'ECDSA SHA-256',
  '1.2.840.10045.4.3.3': 'ECDSA SHA-384',
  '1.2.840.10045.4.3.4': 'ECDSA SHA-512',
  '1.3.101.112': 'Ed25519',
  '1.3.101.113': 'Ed448',
};

/** A readable name for the certificate's signature algorithm; an unknown one is shown as its OID. */
function signatureAlgorithmName(alg: Tlv): string {
  const [id, params] = children(alg.value);
  const oid = decodeOid(id as Tlv);
  return oid === RSA_PSS ? `RSA-PSS ${pssHash(params)}` : (SIGNATURE_ALGORITHMS[oid] ?? oid);
}

const RSA_PSS = '1.2.840.113549.1.1.10';
const HASHES: Record<string, string> = {
  '1.3.14.3.2.26': 'SHA-1',
  '2.16.840.1.101.3.4.2.1': 'SHA-256',
  '2.16.840.1.101.3.4.2.2': 'SHA-384',
  '2.16.840.1.101.3.4.2.3': 'SHA-512',
};

/** RSASSA-PSS-params ::= SEQUENCE { hashAlgorithm [0] EXPLICIT AlgorithmIdentifier DEFAULT sha1, ... } */
function pssHash(params: Tlv | undefined): string {
  const hash = params?.tag === TAG.SEQUENCE ? children(params.value).find((t) => t.tag === 0xa0) : undefined;
  if (!hash) return 'SHA-1';
  const [algId] = children(hash.value);
  const oid = decodeOid(children(expectTag(algId, TAG.SEQUENCE, 'hashAlgorithm').value)[0] as Tlv);
  return HASHES[oid] ?? oid;
}

/**
 * The issuer and subject Names exactly as encoded in the certificate (sliced from the DER, not
 * re-encoded: @peculiar/x509's toArrayBuffer() re-serialises, which dominated parsing time).
 */
export function certificateNames(der: Uint8Array): { issuer: Uint8Array; subject: Uint8Array } {
  const [tbs] = children(single(der, TAG.SEQUENCE, 'Certificate').value);
  const fields = children(expectTag(tbs, TAG.SEQUENCE, 'TBSCertificate').value);
  const offset = fields[0]?.tag === 0xa0 ? 1 : 0; // [0] EXPLICIT version is optional (v1)
  const issuer = expectTag(fields[offset + 2], TAG.SEQUENCE, 'issuer');
  const subject = expectTag(fields[offset + 4], TAG.SEQUENCE, 'subject');
  return { issuer: issuer.raw, subject: subject.raw };
}

/** Parses DER with @peculiar/x509, turning its exceptions into a typed `malformed` error. */
export function loadCertificate(der: Uint8Array): X509Certificate {
  try {
    return new X509Certificate(der);
  } catch (e) {
    throw new X509InputError('malformed', `not a valid X.509 certificate (${(e as Error).message})`);
  }
}

export function fingerprint(der: Uint8Array): string {
  const hex = createHash('sha256').update(der).digest('hex').toUpperCase();
  return hex.match(/../g)?.join(':') ?? '';
}
