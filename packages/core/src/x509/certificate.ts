import { createHash } from 'node:crypto';
import { children, expectTag, single, TAG } from './der.ts';
import { type DistinguishedName, parseName } from './distinguished-name.ts';
import { X509InputError } from './errors.ts';
import { extendedKeyUsageNames, keyUsageNames } from './key-usage.ts';
import {
  BasicConstraintsExtension,
  ExtendedKeyUsageExtension,
  KeyUsagesExtension,
  X509Certificate,
} from './peculiar.ts';
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

export function describeCertificate(der: Uint8Array): CertificateInfo {
  const cert = loadCertificate(der);
  const sanExt = cert.getExtension(SUBJECT_ALT_NAME_OID);
  const ku = cert.getExtension(KeyUsagesExtension);
  const eku = cert.getExtension(ExtendedKeyUsageExtension);
  const bc = cert.getExtension(BasicConstraintsExtension);
  const names = certificateNames(der);
  return {
    subject: parseName(names.subject),
    issuer: parseName(names.issuer),
    serialNumber: cert.serialNumber,
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    sans: sanExt ? parseSubjectAltNames(sanExt.value) : emptySans(),
    keyUsages: ku ? keyUsageNames(ku.usages) : [],
    extendedKeyUsages: eku ? extendedKeyUsageNames(eku.usages.map(String)) : [],
    isCA: bc?.ca ?? false,
    publicKey: describePublicKey(cert.publicKey.rawData),
    signatureAlgorithm: describeSignatureAlgorithm(cert),
    fingerprintSha256: fingerprint(der),
    selfIssued: Buffer.from(names.subject).equals(Buffer.from(names.issuer)),
    der,
  };
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

function describeSignatureAlgorithm(cert: X509Certificate): string {
  // The typings name DOM's Algorithm, which this Node-only lib set does not declare.
  const alg = cert.signatureAlgorithm as unknown as { name?: string; hash?: { name?: string } };
  return [alg.name ?? 'unknown', alg.hash?.name].filter(Boolean).join(' ');
}
