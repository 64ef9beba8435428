import { webcrypto } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCsr, verifyCsrSignature } from '../src/x509/csr.ts';
import { readTlv } from '../src/x509/der.ts';
import { isX509InputError } from '../src/x509/errors.ts';
import {
  Extension,
  Pkcs10CertificateRequest,
  Pkcs10CertificateRequestGenerator,
  SubjectAlternativeNameExtension,
} from '../src/x509/peculiar.ts';
import { toPem } from '../src/x509/pem.ts';
import { type KeySpec, OpenSsl } from './support/openssl.ts';

const ssl = new OpenSsl();
afterAll(() => ssl.dispose());

const EC = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const derOf = (pem: string) =>
  new Uint8Array(Buffer.from(pem.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64'));
const pemOf = (der: Uint8Array) => toPem(der, 'CERTIFICATE REQUEST');

function errorOf(input: string): string {
  try {
    parseCsr(input);
    return 'parsed';
  } catch (e) {
    return isX509InputError(e) ? e.message : `untyped: ${(e as Error).message}`;
  }
}

describe('the CSR reader agrees with @peculiar/x509 on well-formed requests', () => {
  it.each<[string, string[], string[], KeySpec]>([
    ['kubelet default', ['O = system:nodes', 'CN = system:node:w1'], ['DNS:w1', 'IP:10.0.0.1'], 'p256'],
    [
      'RSA, IPv6 and several names',
      ['O = system:nodes', 'CN = system:node:w1'],
      ['DNS:w1', 'DNS:w1.example', 'IP:fd00::1', 'IP:10.0.0.1'],
      'rsa2048',
    ],
    [
      'a multi-attribute subject',
      ['C = DE', 'ST = Berlin', 'O = a', 'OU = b', 'CN = c', 'emailAddress = x@y.z'],
      ['email:x@y.z', 'URI:https://x'],
      'p384',
    ],
    ['UTF-8 text', ['O = système', 'CN = nœud'], ['DNS:w1'], 'ed25519'],
  ])('%s', async (_n, dn, sans, key) => {
    const pem = ssl.csr(dn, sans, key).csr;
    const ours = parseCsr(pem);
    const theirs = new Pkcs10CertificateRequest(pem);
    expect(ours.subject.text).toBe(theirs.subject.replace(/^E=/, 'E=').replace(/, E=/, ', E='));
    const raw = theirs.getExtension('2.5.29.17');
    const san = raw ? new SubjectAlternativeNameExtension(raw.rawData) : undefined;
    const theirDns = san?.names.items.filter((n) => n.type === 'dns').map((n) => n.value) ?? [];
    expect(ours.sans.dns).toEqual(theirDns);
    expect(ours.sans.ip).toEqual(san?.names.items.filter((n) => n.type === 'ip').map((n) => n.value) ?? []);
    expect(await verifyCsrSignature(ours)).toBe(await theirs.verify());
  });
});

describe('refuses what Go would read differently, or not at all', () => {
  it('two subjectAltName extensions (Go keeps the last: a way to smuggle names past an approver)', async () => {
    const keys = (await webcrypto.subtle.generateKey(EC, false, [
      'sign',
      'verify',
    ])) as webcrypto.CryptoKeyPair;
    const req = await Pkcs10CertificateRequestGenerator.create({
      name: 'O=system:nodes, CN=system:node:w1',
      keys,
      signingAlgorithm: EC,
      extensions: [
        new SubjectAlternativeNameExtension([{ type: 'dns', value: 'w1' }]),
        new SubjectAlternativeNameExtension([{ type: 'dns', value: 'evil.example' }]),
      ],
    });
    expect(errorOf(req.toString('pem'))).toBe('the extension 2.5.29.17 is requested more than once');
  });

  it('any other repeated extension', async () => {
    const keys = (await webcrypto.subtle.generateKey(EC, false, [
      'sign',
      'verify',
    ])) as webcrypto.CryptoKeyPair;
    const ku = () => new Extension('2.5.29.15', true, new Uint8Array([0x03, 0x02, 0x05, 0xa0]));
    const req = await Pkcs10CertificateRequestGenerator.create({
      name: 'CN=x',
      keys,
      signingAlgorithm: EC,
      extensions: [ku(), ku()],
    });
    expect(errorOf(req.toString('pem'))).toBe('the extension 2.5.29.15 is requested more than once');
  });

  const good = derOf(ssl.csr(['O = system:nodes', 'CN = system:node:w1'], ['DNS:w1']).csr);
  it.each<[string, (d: Uint8Array) => Uint8Array, RegExp]>([
    [
      'a trailing byte after the request',
      (d) => new Uint8Array([...d, 0]),
      /trailing bytes after CertificationRequest/,
    ],
    [
      'an indefinite length',
      (d) => new Uint8Array([0x30, 0x80, ...d.subarray(d[1] === 0x82 ? 4 : 2), 0, 0]),
      /indefinite length/,
    ],
    ['a request cut short', (d) => d.subarray(0, d.length - 10), /runs past the end|truncated/],
    [
      'a UTF8String that is not UTF-8',
      (d) =>
        replaceBytes(
          d,
          Buffer.from('system:nodes'),
          Buffer.from([0xff, 0xfe, ...Buffer.from('stem:nodes')]),
          0x0c,
        ),
      /invalid UTF-8/,
    ],
  ])('%s', (_n, mutate, message) => {
    expect(errorOf(pemOf(mutate(good)))).toMatch(message);
  });

  it.each<[string, string]>([['SHA-1 with RSA', 'sha1']])(
    'does not verify a %s signature',
    async (_n, digest) => {
      const key = ssl.key('rsa2048');
      const keyFile = `${ssl.dir}/sha1.key`;
      writeFileSync(keyFile, key);
      const pem = ssl.run(['req', '-new', '-key', keyFile, '-subj', '/CN=x', `-${digest}`]);
      expect(await verifyCsrSignature(parseCsr(pem))).toBe(false);
    },
  );
});

/** Swaps the content of a string (same length) and keeps its tag, so only the text is invalid. */
function replaceBytes(d: Uint8Array, from: Buffer, to: Buffer, tag: number): Uint8Array {
  const buf = Buffer.from(d);
  const i = buf.indexOf(from);
  buf[i - 2] = tag;
  to.copy(buf, i);
  return new Uint8Array(buf);
}

describe('the DER reader is strict', () => {
  it.each<[string, number[], RegExp]>([
    ['a long-form length that fits the short form', [0x02, 0x81, 0x01, 0x00], /shortest form/],
    [
      'a long-form length with a leading zero byte',
      [0x04, 0x82, 0x00, 0x81, ...new Array(0x81).fill(0)],
      /shortest form/,
    ],
    ['an indefinite length', [0x30, 0x80, 0x00, 0x00], /indefinite length/],
    ['a length past the end', [0x04, 0x05, 0x00], /runs past the end/],
    ['a multi-byte tag', [0x1f, 0x81, 0x01, 0x00], /multi-byte tags/],
    ['a lone tag byte', [0x30], /truncated element/],
  ])('refuses %s', (_n, bytes, message) => {
    expect(() => readTlv(new Uint8Array(bytes))).toThrow(message);
  });

  it('reads a long-form length that needs it', () => {
    const t = readTlv(new Uint8Array([0x04, 0x81, 0x80, ...new Array(0x80).fill(7)]));
    expect(t.value.length).toBe(0x80);
    expect(t.end).toBe(0x83);
  });
});
