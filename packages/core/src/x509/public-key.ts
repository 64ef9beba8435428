import { children, decodeOid, expectTag, single, TAG } from './der.ts';

export type KeyAlgorithm = 'RSA' | 'ECDSA' | 'Ed25519' | 'Ed448' | 'unknown';

export interface PublicKeyInfo {
  algorithm: KeyAlgorithm;
  /** RSA modulus length in bits. */
  bits?: number;
  /** ECDSA curve as "P-256", "P-384", "P-521" (or the curve's OID for anything else). */
  curve?: string;
}

const CURVES: Record<string, string> = {
  '1.2.840.10045.3.1.7': 'P-256',
  '1.3.132.0.34': 'P-384',
  '1.3.132.0.35': 'P-521',
};
const RSA = '1.2.840.113549.1.1.1';
const EC = '1.2.840.10045.2.1';
const ED25519 = '1.3.101.112';
const ED448 = '1.3.101.113';

/** Describes a SubjectPublicKeyInfo (DER) from its algorithm identifier and, for RSA, the modulus. */
export function describePublicKey(spki: Uint8Array | ArrayBuffer): PublicKeyInfo {
  try {
    const [alg, key] = children(single(new Uint8Array(spki), TAG.SEQUENCE, 'SubjectPublicKeyInfo').value);
    const [oidTlv, params] = children(expectTag(alg, TAG.SEQUENCE, 'algorithm').value);
    const oid = decodeOid(expectTag(oidTlv, TAG.OID, 'algorithm'));
    if (oid === RSA)
      return { algorithm: 'RSA', bits: rsaBits(expectTag(key, TAG.BIT_STRING, 'RSA key').value) };
    if (oid === EC) {
      const curve = params?.tag === TAG.OID ? decodeOid(params) : 'explicit parameters';
      return { algorithm: 'ECDSA', curve: CURVES[curve] ?? curve };
    }
    if (oid === ED25519) return { algorithm: 'Ed25519' };
    if (oid === ED448) return { algorithm: 'Ed448' };
  } catch {
    // an unreadable key is described as unknown, and refused by the policy
  }
  return { algorithm: 'unknown' };
}

function rsaBits(bitString: Uint8Array): number {
  const [modulus] = children(single(bitString.subarray(1), TAG.SEQUENCE, 'RSAPublicKey').value);
  let m = expectTag(modulus, TAG.INTEGER, 'modulus').value;
  while (m.length > 1 && m[0] === 0) m = m.subarray(1);
  const top = m[0] ?? 0;
  return top === 0 ? 0 : (m.length - 1) * 8 + (32 - Math.clz32(top));
}

export function formatPublicKey(k: PublicKeyInfo): string {
  if (k.algorithm === 'RSA') return `RSA ${k.bits ?? '?'}`;
  if (k.algorithm === 'ECDSA') return `ECDSA ${k.curve ?? '?'}`;
  return k.algorithm;
}
