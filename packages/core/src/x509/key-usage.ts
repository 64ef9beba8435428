import { ExtendedKeyUsage, KeyUsageFlags } from './peculiar.ts';

/** Key usage names as Kubernetes spells them in CSR `spec.usages`. */
const KEY_USAGES: [KeyUsageFlags, string][] = [
  [KeyUsageFlags.digitalSignature, 'digital signature'],
  [KeyUsageFlags.nonRepudiation, 'content commitment'],
  [KeyUsageFlags.keyEncipherment, 'key encipherment'],
  [KeyUsageFlags.dataEncipherment, 'data encipherment'],
  [KeyUsageFlags.keyAgreement, 'key agreement'],
  [KeyUsageFlags.keyCertSign, 'cert sign'],
  [KeyUsageFlags.cRLSign, 'crl sign'],
  [KeyUsageFlags.encipherOnly, 'encipher only'],
  [KeyUsageFlags.decipherOnly, 'decipher only'],
];

const EXTENDED: Record<string, string> = {
  [ExtendedKeyUsage.serverAuth]: 'server auth',
  [ExtendedKeyUsage.clientAuth]: 'client auth',
  [ExtendedKeyUsage.codeSigning]: 'code signing',
  [ExtendedKeyUsage.emailProtection]: 'email protection',
  [ExtendedKeyUsage.timeStamping]: 'timestamping',
  [ExtendedKeyUsage.ocspSigning]: 'ocsp signing',
  '2.5.29.37.0': 'any',
};

export function keyUsageNames(flags: number): string[] {
  return KEY_USAGES.filter(([bit]) => (flags & bit) !== 0).map(([, name]) => name);
}

/** Unknown extended key usages are kept as their OID so nothing is hidden. */
export function extendedKeyUsageNames(oids: readonly string[]): string[] {
  return oids.map((oid) => EXTENDED[oid] ?? oid);
}
