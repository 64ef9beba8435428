import { X509InputError } from './errors.ts';

export interface PemBlock {
  type: string;
  der: Uint8Array;
}

const BEGIN = /-----BEGIN ([A-Z0-9 ]+)-----/g;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Input may be PEM text (one or more blocks) or raw DER bytes. */
export type X509Input = string | Uint8Array;

/**
 * Splits PEM text into its blocks. Strict where it matters for error messages: a BEGIN without
 * its END is `truncated`, a body that is not base64 is `malformed`. Text between blocks (comments,
 * `openssl x509 -text` output) is ignored, as openssl and Go's pem.Decode do.
 */
export function splitPem(text: string): PemBlock[] {
  if (text.trim() === '') throw new X509InputError('empty', 'the input is empty');
  const blocks: PemBlock[] = [];
  for (const m of text.matchAll(BEGIN)) {
    const type = m[1] ?? '';
    const bodyStart = (m.index ?? 0) + m[0].length;
    const end = `-----END ${type}-----`;
    const endAt = text.indexOf(end, bodyStart);
    if (endAt < 0)
      throw new X509InputError('truncated', `the PEM block "${type}" has no END line (truncated?)`);
    const body = text.slice(bodyStart, endAt).replace(/\s+/g, '');
    if (!BASE64.test(body) || body.length % 4 !== 0) {
      throw new X509InputError('malformed', `the PEM block "${type}" is not valid base64`);
    }
    blocks.push({ type, der: new Uint8Array(Buffer.from(body, 'base64')) });
  }
  if (blocks.length === 0)
    throw new X509InputError('not-pem', 'no PEM block found (expected -----BEGIN ...-----)');
  return blocks;
}

/** DER of every block of the expected type(s); anything else present is a `wrong-block-type` error. */
export function derBlocks(input: X509Input, what: string, types: readonly string[]): Uint8Array[] {
  if (typeof input !== 'string') {
    if (input.length === 0) throw new X509InputError('empty', 'the input is empty');
    // DER always starts with a SEQUENCE tag; anything else is neither PEM nor DER.
    if (input[0] !== 0x30) return derBlocks(Buffer.from(input).toString('latin1'), what, types);
    return [input];
  }
  const blocks = splitPem(input);
  const wrong = blocks.find((b) => !types.includes(b.type));
  if (wrong) {
    throw new X509InputError('wrong-block-type', `expected ${what} but found a PEM block "${wrong.type}"`);
  }
  return blocks.map((b) => b.der);
}

export function toPem(der: Uint8Array, type: string): string {
  const b64 = Buffer.from(der).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${type}-----\n${lines.join('\n')}\n-----END ${type}-----\n`;
}
