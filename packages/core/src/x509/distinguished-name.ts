import type { Name } from './peculiar.ts';

/** One attribute of a subject or issuer, as encoded (short name like "CN", or the OID when unknown). */
export interface NameAttribute {
  type: string;
  value: string;
}

export interface DistinguishedName {
  /** Every CN value; more than one is legal ASN.1 and suspicious. */
  commonNames: string[];
  organizations: string[];
  organizationalUnits: string[];
  /** Every attribute in encoding order, including CN/O/OU. */
  attributes: NameAttribute[];
  /** RFC 4514-style rendering, e.g. "CN=system:node:worker-1, O=system:nodes". */
  text: string;
}

/** Flattens a parsed Name (RDN sequence, possibly multi-valued RDNs) into typed fields. */
export function toDistinguishedName(name: Name): DistinguishedName {
  const attributes: NameAttribute[] = [];
  for (const rdn of name.toJSON()) {
    for (const [type, values] of Object.entries(rdn)) {
      for (const value of values) attributes.push({ type, value });
    }
  }
  const of = (t: string) => attributes.filter((a) => a.type === t).map((a) => a.value);
  return {
    commonNames: of('CN'),
    organizations: of('O'),
    organizationalUnits: of('OU'),
    attributes,
    text: name.toString(),
  };
}

/** The single CN, or undefined when there is none or more than one. */
export function commonName(dn: DistinguishedName): string | undefined {
  return dn.commonNames.length === 1 ? dn.commonNames[0] : undefined;
}
