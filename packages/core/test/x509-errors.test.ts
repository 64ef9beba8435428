import { describe, expect, it } from 'vitest';
import { parseCertificate, parseCertificates } from '../src/x509/certificate.ts';
import { parseCsr } from '../src/x509/csr.ts';
import { isX509InputError, type X509InputErrorCode } from '../src/x509/errors.ts';
import { OpenSsl } from './support/openssl.ts';

const ssl = new OpenSsl();
const ca = ssl.selfSigned('/CN=errors-ca');
const key = ssl.key('p256');
ssl.dispose();

const body = ca.cert.split('\n').slice(1, -2).join('\n');

function codeOf(f: () => unknown): X509InputErrorCode | 'no error' | 'untyped error' {
  try {
    f();
    return 'no error';
  } catch (e) {
    return isX509InputError(e) ? e.code : 'untyped error';
  }
}

describe('bad certificate input gives a typed error, never an untyped exception', () => {
  it.each<[string, string | Uint8Array, X509InputErrorCode]>([
    ['empty text', '', 'empty'],
    ['only whitespace', ' \n\t', 'empty'],
    ['plain text', 'hello world', 'not-pem'],
    ['a private key where a certificate belongs', key, 'wrong-block-type'],
    ['a BEGIN line without END', ca.cert.slice(0, 200), 'truncated'],
    [
      'a body that is not base64',
      '-----BEGIN CERTIFICATE-----\n%%%%\n-----END CERTIFICATE-----\n',
      'malformed',
    ],
    [
      'base64 that is not a certificate',
      '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n',
      'malformed',
    ],
    [
      'base64 cut short inside the block',
      `-----BEGIN CERTIFICATE-----\n${body.slice(0, 101)}\n-----END CERTIFICATE-----\n`,
      'malformed',
    ],
    ['empty DER', new Uint8Array(0), 'empty'],
    ['DER garbage', new Uint8Array([0x30, 0x03, 0x01, 0x02, 0x03]), 'malformed'],
    ['binary that is not DER', new Uint8Array([0xff, 0x00, 0x12]), 'not-pem'],
  ])('%s', (_name, input, code) => {
    expect(codeOf(() => parseCertificate(input))).toBe(code);
  });

  it('a bundle with one bad block fails as a whole, naming the problem', () => {
    expect(codeOf(() => parseCertificates(`${ca.cert}${key}`))).toBe('wrong-block-type');
  });

  it('a certificate where a CSR belongs is a wrong block type', () => {
    expect(codeOf(() => parseCsr(ca.cert))).toBe('wrong-block-type');
  });

  it('the message names what was expected and what was found', () => {
    try {
      parseCertificate(key);
    } catch (e) {
      expect((e as Error).message).toBe('expected a CERTIFICATE but found a PEM block "PRIVATE KEY"');
    }
  });
});
