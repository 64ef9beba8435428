import ipaddr from 'ipaddr.js';
import { children, decodeOid, readTlv, single, TAG, type Tlv } from './der.ts';
import { X509InputError } from './errors.ts';

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
  if (!text.includes(':')) return IPV4.test(text) ? text : undefined;
  return ipaddr.IPv6.isValid(text) ? ipaddr.process(text).toString() : undefined;
}

// Dotted quad without leading zeros (Go >= 1.17 refuses "010.0.0.1"): already canonical text.
// A regular expression, because ipaddr.js's IPv4 parser costs ~40 µs a call on a hot path.
const OCTET = '(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
const IPV4 = new RegExp(`^${OCTET}(?:\\.${OCTET}){3}$`);
const V4_MAPPED = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];

/** The address in a 4- or 16-byte IP SAN; IPv4-mapped IPv6 becomes IPv4, as Go compares them. */
function ipFromBytes(b: Uint8Array): string | undefined {
  if (b.length === 4) return b.join('.');
  if (b.length !== 16) return undefined;
  if (V4_MAPPED.every((x, i) => b[i] === x)) return b.subarray(12).join('.');
  return ipaddr.fromByteArray([...b]).toString();
}

function ia5(t: Tlv, what: string): string {
  for (const c of t.value)
    if (c >= 0x80) throw new X509InputError('malformed', `the ${what} SAN is not ASCII`);
  return Buffer.from(t.value).toString('latin1');
}

// GeneralName tags (context-specific; [0], [3], [4], [5] are constructed).
const OTHER_NAME = 0xa0;
const EMAIL = 0x81;
const DNS = 0x82;
const X400 = 0xa3;
const DIRECTORY = 0xa4;
const EDI_PARTY = 0xa5;
const URI = 0x86;
const IP = 0x87;
const REGISTERED_ID = 0x88;

/**
 * Decodes a subjectAltName extension value (GeneralNames) with the strict DER reader, so that
 * no GeneralName type can be dropped silently and nothing is read differently from Go.
 */
export function parseSubjectAltNames(extnValue: Uint8Array | ArrayBuffer): SubjectAltNames {
  const out = emptySans();
  const seq = single(new Uint8Array(extnValue), TAG.SEQUENCE, 'GeneralNames');
  for (const n of children(seq.value)) {
    switch (n.tag) {
      case DNS:
        out.dns.push(ia5(n, 'DNS'));
        break;
      case EMAIL:
        out.email.push(ia5(n, 'email'));
        break;
      case URI:
        out.uri.push(ia5(n, 'URI'));
        break;
      case IP: {
        const ip = ipFromBytes(n.value);
        if (ip) out.ip.push(ip);
        else out.other.push({ type: 'ip (invalid length)', value: Buffer.from(n.value).toString('hex') });
        break;
      }
      case OTHER_NAME:
        out.other.push({ type: 'otherName', value: otherNameType(n) });
        break;
      case DIRECTORY:
        out.other.push({ type: 'directoryName', value: 'directory name' });
        break;
      case REGISTERED_ID:
        out.other.push({ type: 'registeredID', value: decodeOid({ ...n, tag: TAG.OID }) });
        break;
      case X400:
        out.other.push({ type: 'x400Address', value: 'x400 address' });
        break;
      case EDI_PARTY:
        out.other.push({ type: 'ediPartyName', value: 'edi party name' });
        break;
      default:
        out.other.push({
          type: `unknown (tag 0x${n.tag.toString(16)})`,
          value: Buffer.from(n.value).toString('hex'),
        });
    }
  }
  return out;
}

function otherNameType(n: Tlv): string {
  try {
    return decodeOid(readTlv(n.value));
  } catch {
    return 'unreadable';
  }
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
