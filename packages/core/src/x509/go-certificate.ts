import type { CertificateInfo } from './certificate.ts';
import { children, decodeOid, expectTag, single, TAG, type Tlv } from './der.ts';
import { type NameConstraints, parseNameConstraints } from './name-constraints.ts';
import { SUBJECT_ALT_NAME_OID } from './subject-alt-names.ts';

/**
 * What Go's x509.ParseCertificate keeps of a certificate that chain verification reads, beyond
 * CertificateInfo: the fields behind CheckSignatureFrom, isValid and findPotentialParents.
 */
export interface GoCertificate {
  info: CertificateInfo;
  /** Go's Version: 1, 2 or 3 (the DER value plus one). */
  version: number;
  rawTbs: Uint8Array;
  rawSubject: Uint8Array;
  rawIssuer: Uint8Array;
  spki: Uint8Array;
  signature: Uint8Array;
  /** The signature algorithm's OID and parameters. */
  signatureAlgorithm: { oid: string; params: Tlv | undefined };
  /** Go's PublicKeyAlgorithm of the subject key; undefined when Go does not know it. */
  publicKeyAlgorithm: 'RSA' | 'DSA' | 'ECDSA' | 'Ed25519' | undefined;
  basicConstraintsValid: boolean;
  /** -1 when basicConstraints has no pathLenConstraint. */
  maxPathLen: number;
  subjectKeyId: Uint8Array;
  authorityKeyId: Uint8Array;
  /** The subjectAltName extension's value, when the extension is present (even empty). */
  sanExtension: Uint8Array | undefined;
  /** The nameConstraints extension of a CA, when present. */
  nameConstraints: NameConstraints | undefined;
  /** A critical extension Go does not handle: such a certificate is never valid. */
  hasUnhandledCriticalExtension: boolean;
  /** pkix.Name.CommonName: the last CN attribute. */
  commonName: string;
  /** Decimal, as Go's big.Int prints it. */
  serialDecimal: string;
}

const KEY_ALGORITHMS: Record<string, GoCertificate['publicKeyAlgorithm']> = {
  '1.2.840.113549.1.1.1': 'RSA',
  '1.2.840.10040.4.1': 'DSA',
  '1.2.840.10045.2.1': 'ECDSA',
  '1.3.101.112': 'Ed25519',
};

/**
 * Extensions Go's parser handles (processExtensions); any other, when critical, makes the
 * certificate invalid. subjectAltName and nameConstraints count only when Go could read them.
 */
const HANDLED = new Set([15, 19, 31, 35, 37, 14, 32].map((n) => `2.5.29.${n}`).concat(['1.3.6.1.5.5.7.1.1']));
const NAME_CONSTRAINTS = '2.5.29.30';
const SKID = '2.5.29.14';
const AKID = '2.5.29.35';
const BASIC_CONSTRAINTS = '2.5.29.19';

const cache = new WeakMap<CertificateInfo, GoCertificate>();

/** The Go view of a parsed certificate, read once from its DER. */
export function goCertificate(info: CertificateInfo): GoCertificate {
  let g = cache.get(info);
  if (!g) {
    g = read(info);
    cache.set(info, g);
  }
  return g;
}

function read(info: CertificateInfo): GoCertificate {
  const [tbs, sigAlg, sigValue] = children(single(info.der, TAG.SEQUENCE, 'Certificate').value);
  const tbsTlv = expectTag(tbs, TAG.SEQUENCE, 'TBSCertificate');
  const fields = children(tbsTlv.value);
  const versioned = fields[0]?.tag === 0xa0;
  const o = versioned ? 1 : 0;
  const version = versioned
    ? (single(fields[0]?.value as Uint8Array, TAG.INTEGER, 'version').value[0] ?? 0) + 1
    : 1;
  const [sigOid, sigParams] = children(expectTag(sigAlg, TAG.SEQUENCE, 'signatureAlgorithm').value);
  const spki = expectTag(fields[o + 5], TAG.SEQUENCE, 'subjectPublicKeyInfo');
  const [keyAlg] = children(spki.value);
  const [keyOid] = children(expectTag(keyAlg, TAG.SEQUENCE, 'algorithm').value);
  const ext = extensions(fields.slice(o + 6).find((f) => f.tag === 0xa3));
  const bc = ext.get(BASIC_CONSTRAINTS);
  const san = ext.get(SUBJECT_ALT_NAME_OID);
  const ncExt = ext.get(NAME_CONSTRAINTS);
  const nameConstraints = ncExt ? parseNameConstraints(ncExt.value) : undefined;
  return {
    info,
    version,
    rawTbs: tbsTlv.raw,
    rawIssuer: expectTag(fields[o + 2], TAG.SEQUENCE, 'issuer').raw,
    rawSubject: expectTag(fields[o + 4], TAG.SEQUENCE, 'subject').raw,
    spki: spki.raw,
    signature: expectTag(sigValue, TAG.BIT_STRING, 'signatureValue').value.subarray(1),
    signatureAlgorithm: { oid: decodeOid(sigOid as Tlv), params: sigParams },
    publicKeyAlgorithm: KEY_ALGORITHMS[decodeOid(keyOid as Tlv)],
    basicConstraintsValid: bc !== undefined,
    maxPathLen: bc ? pathLen(bc.value) : -1,
    subjectKeyId: ext.has(SKID)
      ? single(ext.get(SKID)?.value as Uint8Array, TAG.OCTET_STRING, 'SKID').value
      : EMPTY,
    authorityKeyId: ext.has(AKID) ? akid(ext.get(AKID)?.value as Uint8Array) : EMPTY,
    sanExtension: san?.value,
    nameConstraints,
    hasUnhandledCriticalExtension: [...ext].some(
      ([oid, e]) =>
        e.critical &&
        !(
          HANDLED.has(oid) ||
          (oid === SUBJECT_ALT_NAME_OID && sanHandled(info)) ||
          (oid === NAME_CONSTRAINTS && !nameConstraints?.unhandled)
        ),
    ),
    commonName: info.subject.commonNames.at(-1) ?? '',
    serialDecimal: BigInt(`0x${info.serialNumber || '0'}`).toString(10),
  };
}

const EMPTY = new Uint8Array(0);

function extensions(explicit: Tlv | undefined): Map<string, { critical: boolean; value: Uint8Array }> {
  const out = new Map<string, { critical: boolean; value: Uint8Array }>();
  if (!explicit) return out;
  const [seq] = children(explicit.value);
  for (const e of children(expectTag(seq, TAG.SEQUENCE, 'extensions').value)) {
    const parts = children(e.value);
    const critical = parts.length === 3 && parts[1]?.tag === TAG.BOOLEAN && parts[1].value[0] !== 0;
    out.set(decodeOid(parts[0] as Tlv), { critical, value: (parts.at(-1) as Tlv).value });
  }
  return out;
}

/** Go treats a SAN extension it read no DNS, email, IP or URI name from as unhandled. */
function sanHandled(info: CertificateInfo): boolean {
  const s = info.sans;
  return s.dns.length + s.email.length + s.ip.length + s.uri.length > 0;
}

function pathLen(bc: Uint8Array): number {
  const n = children(single(bc, TAG.SEQUENCE, 'basicConstraints').value).find((t) => t.tag === TAG.INTEGER);
  if (!n) return -1;
  return n.value.reduce((acc, b) => acc * 256 + b, 0);
}

/** AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] IMPLICIT OCTET STRING OPTIONAL, ... } */
function akid(value: Uint8Array): Uint8Array {
  return children(single(value, TAG.SEQUENCE, 'AKID').value).find((t) => t.tag === 0x80)?.value ?? EMPTY;
}
