import { X509InputError } from './errors.ts';

/** One DER element: its tag byte, the bytes of its value, and the whole encoding (tag..end). */
export interface Tlv {
  tag: number;
  value: Uint8Array;
  raw: Uint8Array;
}

const bad = (why: string) => new X509InputError('malformed', `invalid DER: ${why}`);

/**
 * Reads the element at `at`. Strict DER: single-byte tags, definite lengths in their shortest
 * form, no length past the end. Anything else is an error, never a best guess, because a lenient
 * parser that reads a request differently from Go's (the signer's) is a way to smuggle SANs.
 */
export function readTlv(buf: Uint8Array, at = 0): Tlv & { end: number } {
  if (at + 2 > buf.length) throw bad('truncated element');
  const tag = buf[at] as number;
  if ((tag & 0x1f) === 0x1f) throw bad('multi-byte tags are not used in CSRs');
  let len = buf[at + 1] as number;
  let p = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0) throw bad('indefinite length');
    if (n > 4 || p + n > buf.length) throw bad('length too long');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (buf[p + i] as number);
    if (buf[p] === 0 || len < 0x80) throw bad('length not in its shortest form');
    p += n;
  }
  const end = p + len;
  if (end > buf.length) throw bad('element runs past the end of its container');
  return { tag, value: buf.subarray(p, end), raw: buf.subarray(at, end), end };
}

/** Every element inside a constructed value, which must be consumed exactly. */
export function children(value: Uint8Array): Tlv[] {
  const out: Tlv[] = [];
  for (let at = 0; at < value.length; ) {
    const t = readTlv(value, at);
    out.push(t);
    at = t.end;
  }
  return out;
}

/** The only element of `buf`, with no trailing bytes, of the expected tag. */
export function single(buf: Uint8Array, tag: number, what: string): Tlv {
  const t = readTlv(buf);
  if (t.end !== buf.length) throw bad(`trailing bytes after ${what}`);
  return expectTag(t, tag, what);
}

export function expectTag(t: Tlv | undefined, tag: number, what: string): Tlv {
  if (!t) throw bad(`${what} is missing`);
  if (t.tag !== tag) throw bad(`${what} has tag 0x${t.tag.toString(16)}, expected 0x${tag.toString(16)}`);
  return t;
}

export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  NUMERIC_STRING: 0x12,
  PRINTABLE_STRING: 0x13,
  T61_STRING: 0x14,
  IA5_STRING: 0x16,
  BMP_STRING: 0x1e,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

export function decodeOid(t: Tlv): string {
  expectTag(t, TAG.OID, 'object identifier');
  const v = t.value;
  if (v.length === 0) throw bad('empty object identifier');
  const arcs: number[] = [];
  let n = 0;
  for (let i = 0; i < v.length; i++) {
    const b = v[i] as number;
    if (n === 0 && b === 0x80) throw bad('object identifier arc not in its shortest form');
    n = n * 128 + (b & 0x7f);
    if (n > Number.MAX_SAFE_INTEGER / 128) throw bad('object identifier arc too large');
    if (!(b & 0x80)) {
      arcs.push(n);
      n = 0;
    } else if (i === v.length - 1) throw bad('truncated object identifier');
  }
  const first = arcs.shift() as number;
  const head = first < 40 ? [0, first] : first < 80 ? [1, first - 40] : [2, first - 80];
  return [...head, ...arcs].join('.');
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const utf16be = new TextDecoder('utf-16be', { fatal: true });

/**
 * The text of a directory string, decoded the way Go's crypto/x509 does (parseASN1String):
 * UTF8String, PrintableString, IA5String and NumericString must be valid for their type,
 * T61String is read as Latin-1, BMPString as UTF-16. Other types are refused.
 */
export function decodeString(t: Tlv): string {
  const v = t.value;
  const ascii = (ok: (c: number) => boolean, type: string) => {
    for (const c of v) if (!ok(c)) throw bad(`invalid character in ${type}`);
    return Buffer.from(v).toString('latin1');
  };
  try {
    switch (t.tag) {
      case TAG.UTF8_STRING:
        return utf8.decode(v);
      case TAG.PRINTABLE_STRING:
        return ascii((c) => /[A-Za-z0-9 '()+,\-./:=?*&]/.test(String.fromCharCode(c)), 'PrintableString');
      case TAG.IA5_STRING:
        return ascii((c) => c < 0x80, 'IA5String');
      case TAG.NUMERIC_STRING:
        return ascii((c) => (c >= 0x30 && c <= 0x39) || c === 0x20, 'NumericString');
      case TAG.T61_STRING:
        return Buffer.from(v).toString('latin1');
      case TAG.BMP_STRING:
        if (v.length % 2) throw bad('odd-length BMPString');
        return utf16be.decode(v);
      default:
        throw bad(`unsupported string type 0x${t.tag.toString(16)}`);
    }
  } catch (e) {
    if (e instanceof TypeError) throw bad('invalid UTF-8/UTF-16 text');
    throw e;
  }
}
