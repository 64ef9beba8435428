import { createPublicKey } from 'node:crypto';

export type KeyAlgorithm = 'RSA' | 'ECDSA' | 'Ed25519' | 'Ed448' | 'unknown';

export interface PublicKeyInfo {
  algorithm: KeyAlgorithm;
  /** RSA modulus length in bits. */
  bits?: number;
  /** ECDSA curve as "P-256", "P-384", "P-521" (or OpenSSL's name for anything else). */
  curve?: string;
}

const CURVES: Record<string, string> = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' };

/** Describes a SubjectPublicKeyInfo. node:crypto reads modulus size and curve without async WebCrypto. */
export function describePublicKey(spki: ArrayBuffer): PublicKeyInfo {
  let key: ReturnType<typeof createPublicKey>;
  try {
    key = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
  } catch {
    return { algorithm: 'unknown' };
  }
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return { algorithm: 'RSA', ...(details.modulusLength ? { bits: details.modulusLength } : {}) };
    case 'ec': {
      const curve = details.namedCurve ? (CURVES[details.namedCurve] ?? details.namedCurve) : undefined;
      return { algorithm: 'ECDSA', ...(curve ? { curve } : {}) };
    }
    case 'ed25519':
      return { algorithm: 'Ed25519' };
    case 'ed448':
      return { algorithm: 'Ed448' };
    default:
      return { algorithm: 'unknown' };
  }
}

export function formatPublicKey(k: PublicKeyInfo): string {
  if (k.algorithm === 'RSA') return `RSA ${k.bits ?? '?'}`;
  if (k.algorithm === 'ECDSA') return `ECDSA ${k.curve ?? '?'}`;
  return k.algorithm;
}
