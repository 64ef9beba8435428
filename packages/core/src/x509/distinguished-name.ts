import { children, decodeOid, decodeString, expectTag, single, TAG } from './der.ts';

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
  /** RFC 4514-style rendering in encoding order, e.g. "O=system:nodes, CN=system:node:worker-1". */
  text: string;
}

const SHORT: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.4': 'SN',
  '2.5.4.5': 'serialNumber',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'street',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.12': 'title',
  '0.9.2342.19200300.100.1.1': 'UID',
  '0.9.2342.19200300.100.1.25': 'DC',
  '1.2.840.113549.1.9.1': 'E',
};

const escapeValue = (v: string) => v.replace(/[,+"\\<>;]/g, (c) => `\\${c}`);

/** Reads a DER Name (RDNSequence), multi-valued RDNs included, into typed fields. */
export function parseName(der: Uint8Array | ArrayBuffer): DistinguishedName {
  const attributes: NameAttribute[] = [];
  for (const rdn of children(single(new Uint8Array(der), TAG.SEQUENCE, 'Name').value)) {
    for (const atv of children(expectTag(rdn, TAG.SET, 'RelativeDistinguishedName').value)) {
      const [type, value, ...rest] = children(expectTag(atv, TAG.SEQUENCE, 'AttributeTypeAndValue').value);
      if (!type || !value || rest.length) throw new Error('invalid AttributeTypeAndValue');
      const oid = decodeOid(type);
      attributes.push({ type: SHORT[oid] ?? oid, value: decodeString(value) });
    }
  }
  const of = (t: string) => attributes.filter((a) => a.type === t).map((a) => a.value);
  return {
    commonNames: of('CN'),
    organizations: of('O'),
    organizationalUnits: of('OU'),
    attributes,
    text: attributes.map((a) => `${a.type}=${escapeValue(a.value)}`).join(', '),
  };
}

/** The single CN, or undefined when there is none or more than one. */
export function commonName(dn: DistinguishedName): string | undefined {
  return dn.commonNames.length === 1 ? dn.commonNames[0] : undefined;
}
