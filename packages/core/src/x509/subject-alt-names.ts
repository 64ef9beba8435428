import { AsnConvert } from '@peculiar/asn1-schema';
import { SubjectAlternativeName } from '@peculiar/asn1-x509';
import ipaddr from 'ipaddr.js';

export const SUBJECT_ALT_NAME_OID = '2.5.29.17';

/** SANs sorted by type. Every GeneralName in the extension lands in exactly one list. */
export interface SubjectAltNames {
  dns: string[];
  /** Normalised: IPv4 dotted quad (IPv4-mapped IPv6 included, as Go compares them), IPv6 RFC 5952. */
  ip: string[];
  email: string[];
  uri: string[];
  /** otherName, directoryName, x400Address, ediPartyName, registeredID, and IP SANs of a bad length. */
  other: { type: string; value: string }[];
}

export function emptySans(): SubjectAltNames {
  return { dns: [], ip: [], email: [], uri: [], other: [] };
}

/**
 * Canonical text of an IP address, or undefined when it is not one. Strict like Go's
 * net.ParseIP: only dotted-quad IPv4 and colon IPv6 (ipaddr.js alone would accept "10.1" or a
 * bare integer as IPv4).
 */
export function normalizeIp(text: string): string | undefined {
  const ok = text.includes(':') ? ipaddr.IPv6.isValid(text) : ipaddr.IPv4.isValidFourPartDecimal(text);
  return ok ? ipaddr.process(text).toString() : undefined;
}

/**
 * Decodes a subjectAltName extension value (the OCTET STRING contents) with the ASN.1 schema
 * itself, not a convenience layer, so that no GeneralName type can be dropped silently.
 */
export function parseSubjectAltNames(extnValue: ArrayBuffer): SubjectAltNames {
  const out = emptySans();
  const names = AsnConvert.parse(extnValue, SubjectAlternativeName);
  for (const n of names) {
    if (n.dNSName !== undefined) out.dns.push(n.dNSName);
    else if (n.rfc822Name !== undefined) out.email.push(n.rfc822Name);
    else if (n.uniformResourceIdentifier !== undefined) out.uri.push(n.uniformResourceIdentifier);
    else if (n.iPAddress !== undefined) {
      // asn1-x509 renders 4/16-byte values as addresses, anything else as CIDR or hex text.
      const ip = n.iPAddress.includes('/') ? undefined : normalizeIp(n.iPAddress);
      if (ip) out.ip.push(ip);
      else out.other.push({ type: 'ip (invalid length)', value: n.iPAddress });
    } else if (n.otherName) out.other.push({ type: 'otherName', value: n.otherName.typeId });
    else if (n.directoryName) out.other.push({ type: 'directoryName', value: 'directory name' });
    else if (n.registeredID !== undefined) out.other.push({ type: 'registeredID', value: n.registeredID });
    else if (n.x400Address) out.other.push({ type: 'x400Address', value: 'x400 address' });
    else out.other.push({ type: 'ediPartyName', value: 'edi party name' });
  }
  return out;
}

/** All SANs as "DNS:x", "IP:y", ... in a stable order, for tables and messages. */
export function formatSans(s: SubjectAltNames): string[] {
  return [
    ...s.dns.map((v) => `DNS:${v}`),
    ...s.ip.map((v) => `IP:${v}`),
    ...s.email.map((v) => `email:${v}`),
    ...s.uri.map((v) => `URI:${v}`),
    ...s.other.map((o) => `${o.type}:${o.value}`),
  ];
}
