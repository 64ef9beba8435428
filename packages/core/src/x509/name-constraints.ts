import ipaddr from 'ipaddr.js';
import { children, expectTag, single, TAG, type Tlv } from './der.ts';
import { goQuote } from './go-quote.ts';

interface IpRange {
  ip: Uint8Array;
  mask: Uint8Array;
  /** net.IPNet's String(): "10.0.0.0/8". */
  text: string;
}

/** A CA's nameConstraints extension as Go 1.19 reads it (DNS and IP constraints are what it checks here). */
export interface NameConstraints {
  permittedDns: string[];
  excludedDns: string[];
  permittedIp: IpRange[];
  excludedIp: IpRange[];
  /** Email or URI constraints: kubelet certificates have no such names; not evaluated. */
  hasEmailOrUri: boolean;
  /** A constraint type Go does not handle (a directoryName, ...): Go then treats the extension as unhandled. */
  unhandled: boolean;
}

const DNS = 0x82;
const IP = 0x87;
const EMAIL = 0x81;
const URI = 0x86;

/** NameConstraints ::= SEQUENCE { permittedSubtrees [0] GeneralSubtrees OPTIONAL, excludedSubtrees [1] ... } */
export function parseNameConstraints(extnValue: Uint8Array): NameConstraints {
  const nc: NameConstraints = {
    permittedDns: [],
    excludedDns: [],
    permittedIp: [],
    excludedIp: [],
    hasEmailOrUri: false,
    unhandled: false,
  };
  for (const subtrees of children(single(extnValue, TAG.SEQUENCE, 'NameConstraints').value)) {
    const permitted = subtrees.tag === 0xa0;
    for (const subtree of children(subtrees.value)) {
      const [base] = children(expectTag(subtree, TAG.SEQUENCE, 'GeneralSubtree').value);
      read(nc, base as Tlv, permitted);
    }
  }
  return nc;
}

function read(nc: NameConstraints, base: Tlv, permitted: boolean): void {
  if (base.tag === DNS)
    (permitted ? nc.permittedDns : nc.excludedDns).push(Buffer.from(base.value).toString('latin1'));
  else if (base.tag === IP && (base.value.length === 8 || base.value.length === 32)) {
    const half = base.value.length / 2;
    const ip = base.value.subarray(0, half);
    const mask = base.value.subarray(half);
    const prefix = [...mask].reduce((n, b) => n + popcount(b), 0);
    const text = `${ipaddr.fromByteArray([...ip]).toString()}/${prefix}`;
    (permitted ? nc.permittedIp : nc.excludedIp).push({ ip, mask, text });
  } else if (base.tag === EMAIL || base.tag === URI) nc.hasEmailOrUri = true;
  else nc.unhandled = true;
}

function popcount(b: number): number {
  let n = 0;
  for (let x = b; x; x >>= 1) n += x & 1;
  return n;
}

/**
 * Go's name-constraint step of isValid for a CA: every DNS and IP name in the SAN extensions of
 * `chain` (in their encoding order) checked against the CA's excluded, then permitted subtrees.
 */
export function nameConstraintError(nc: NameConstraints, sanExtensions: Uint8Array[]): string | undefined {
  for (const san of sanExtensions) {
    for (const name of children(single(san, TAG.SEQUENCE, 'GeneralNames').value)) {
      const err =
        name.tag === DNS
          ? dnsError(nc, Buffer.from(name.value).toString('latin1'))
          : name.tag === IP
            ? ipError(nc, name.value)
            : undefined;
      if (err) return err;
    }
  }
  return undefined;
}

const NOT_AUTHORIZED = 'x509: a root or intermediate certificate is not authorized to sign for this name: ';

function dnsError(nc: NameConstraints, name: string): string | undefined {
  if (!reverseLabels(name)) return `x509: cannot parse dnsName ${goQuote(name)}`;
  return check(
    'DNS name',
    name,
    nc.excludedDns,
    nc.permittedDns,
    (c) => matchDomain(name, c),
    (c) => c,
  );
}

function ipError(nc: NameConstraints, ip: Uint8Array): string | undefined {
  if (ip.length !== 4 && ip.length !== 16) return undefined;
  const text = ipaddr.fromByteArray([...ip]).toString();
  const match = (c: IpRange) =>
    c.ip.length === ip.length &&
    ip.every((b, i) => (b & (c.mask[i] as number)) === ((c.ip[i] as number) & (c.mask[i] as number)));
  return check('IP address', text, nc.excludedIp, nc.permittedIp, match, (c) => c.text);
}

/** checkNameConstraints: an excluded match refuses; with permitted subtrees, one must match. */
function check<C>(
  type: string,
  name: string,
  excluded: C[],
  permitted: C[],
  match: (c: C) => boolean,
  show: (c: C) => string,
): string | undefined {
  const hit = excluded.find(match);
  if (hit !== undefined)
    return `${NOT_AUTHORIZED}${type} ${goQuote(name)} is excluded by constraint ${goQuote(show(hit))}`;
  if (permitted.length > 0 && !permitted.some(match))
    return `${NOT_AUTHORIZED}${type} ${goQuote(name)} is not permitted by any constraint`;
  return undefined;
}

/** matchDomainConstraint: the constraint's labels end the name's (a leading "." requires one more label). */
function matchDomain(name: string, constraint: string): boolean {
  if (constraint === '') return true;
  const sub = constraint.startsWith('.');
  const labels = reverseLabels(name) as string[];
  const want = reverseLabels(sub ? constraint.slice(1) : constraint);
  if (!want || labels.length < want.length || (sub && labels.length === want.length)) return false;
  return want.every((l, i) => l.toLowerCase() === labels[i]?.toLowerCase());
}

/** domainToReverseLabels: undefined for an empty label, a trailing dot or a character outside 33..126. */
function reverseLabels(domain: string): string[] | undefined {
  if (domain === '') return [];
  const labels = domain.split('.').reverse();
  if (labels.some((l) => l === '' || [...l].some((c) => c.charCodeAt(0) < 33 || c.charCodeAt(0) > 126)))
    return undefined;
  return labels;
}
