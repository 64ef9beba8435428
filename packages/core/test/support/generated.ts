// Test fixtures made in-process with @peculiar/x509 (for validity windows openssl 3.0 cannot set).
import { webcrypto } from 'node:crypto';
import {
  BasicConstraintsExtension,
  type X509Certificate,
  X509CertificateGenerator,
} from '../../src/x509/peculiar.ts';

const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export interface GeneratedCa {
  cert: X509Certificate;
  keys: webcrypto.CryptoKeyPair;
}

export async function generateCa(name: string, notBefore: Date, notAfter: Date): Promise<GeneratedCa> {
  const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const cert = await X509CertificateGenerator.createSelfSigned({
    name,
    notBefore,
    notAfter,
    keys,
    signingAlgorithm: alg,
    extensions: [new BasicConstraintsExtension(true, undefined, true)],
  });
  return { cert, keys };
}

export async function generateLeaf(
  subject: string,
  ca: GeneratedCa,
  notBefore: Date,
  notAfter: Date,
): Promise<X509Certificate> {
  const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  return X509CertificateGenerator.create({
    subject,
    issuer: ca.cert.subject,
    notBefore,
    notAfter,
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    signingAlgorithm: alg,
  });
}

export function der(cert: X509Certificate): Uint8Array {
  return new Uint8Array(cert.rawData);
}
