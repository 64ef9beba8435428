import { SUBJECT_ALT_NAME_OID } from './subject-alt-names.ts';

export const KEY_USAGE_OID = '2.5.29.15';
export const EXTENDED_KEY_USAGE_OID = '2.5.29.37';
export const BASIC_CONSTRAINTS_OID = '2.5.29.19';

/** X.509 extensions by OID, with the names RFC 5280 and openssl give them, for messages. */
const EXTENSION_NAMES: Record<string, string> = {
  [SUBJECT_ALT_NAME_OID]: 'subjectAltName',
  [KEY_USAGE_OID]: 'keyUsage',
  [EXTENDED_KEY_USAGE_OID]: 'extKeyUsage',
  [BASIC_CONSTRAINTS_OID]: 'basicConstraints',
  '2.5.29.14': 'subjectKeyIdentifier',
  '2.5.29.18': 'issuerAltName',
  '2.5.29.30': 'nameConstraints',
  '2.5.29.31': 'cRLDistributionPoints',
  '2.5.29.32': 'certificatePolicies',
  '2.5.29.35': 'authorityKeyIdentifier',
  '2.5.29.36': 'policyConstraints',
  '2.5.29.54': 'inhibitAnyPolicy',
  '1.3.6.1.5.5.7.1.1': 'authorityInfoAccess',
  '1.3.6.1.5.5.7.1.24': 'tlsFeature',
  '1.3.6.1.5.5.7.48.1.5': 'ocspNoCheck',
  '2.16.840.1.113730.1.1': 'nsCertType',
  '2.16.840.1.113730.1.13': 'nsComment',
};

/** "2.5.29.19 (basicConstraints)", or the bare OID when it has no known name. */
export function describeExtension(oid: string): string {
  const name = EXTENSION_NAMES[oid];
  return name ? `${oid} (${name})` : oid;
}
