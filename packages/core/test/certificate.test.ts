import { afterAll, describe, expect, it } from 'vitest';
import { parseCertificate, parseCertificates } from '../src/x509/certificate.ts';
import { OpenSsl } from './support/openssl.ts';

const ssl = new OpenSsl();
afterAll(() => ssl.dispose());

const ca = ssl.selfSigned('/CN=test-ca/O=kubectl-certs');
const serving = (() => {
  const { csr } = ssl.csr(['CN = system:node:worker-1', 'O = system:nodes']);
  return ssl.sign(csr, ca, [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage=serverAuth,clientAuth',
    'subjectAltName=DNS:worker-1,IP:127.0.0.11,IP:2001:db8::1,IP:::ffff:10.0.0.1,email:ops@example.com,URI:spiffe://cluster/ns/x,otherName:1.2.3.4;UTF8:hello,dirName:dir_sect',
    '[dir_sect]',
    'CN=somebody',
  ]);
})();

describe('parseCertificate', () => {
  it('reads subject, issuer, serial, validity and fingerprint exactly as openssl prints them', () => {
    const c = parseCertificate(serving);
    expect(c.subject.commonNames).toEqual(['system:node:worker-1']);
    expect(c.subject.organizations).toEqual(['system:nodes']);
    expect(c.issuer.commonNames).toEqual(['test-ca']);
    expect(c.issuer.organizations).toEqual(['kubectl-certs']);
    expect(`serial=${c.serialNumber}`.toLowerCase()).toBe(ssl.x509(serving, ['-serial']).toLowerCase());
    expect(`sha256 Fingerprint=${c.fingerprintSha256}`).toBe(ssl.x509(serving, ['-fingerprint', '-sha256']));
    const endDate = ssl.x509(serving, ['-enddate']).replace('notAfter=', '');
    expect(c.notAfter.getTime()).toBe(new Date(endDate).getTime());
    expect(c.selfIssued).toBe(false);
    expect(c.isCA).toBe(false);
  });

  it('sorts every SAN into its type, normalising IPv4-mapped IPv6 to IPv4 and dropping none', () => {
    const { sans } = parseCertificate(serving);
    expect(sans.dns).toEqual(['worker-1']);
    expect(sans.ip).toEqual(['127.0.0.11', '2001:db8::1', '10.0.0.1']);
    expect(sans.email).toEqual(['ops@example.com']);
    expect(sans.uri).toEqual(['spiffe://cluster/ns/x']);
    expect(sans.other.map((o) => o.type)).toEqual(['otherName', 'directoryName']);
  });

  it('names key usages and extended key usages the way CSR spec.usages does', () => {
    const c = parseCertificate(serving);
    expect(c.keyUsages).toEqual(['digital signature', 'key encipherment']);
    expect(c.extendedKeyUsages).toEqual(['server auth', 'client auth']);
  });

  it('recognises a self-signed CA', () => {
    const c = parseCertificate(ca.cert);
    expect(c.isCA).toBe(true);
    expect(c.selfIssued).toBe(true);
    expect(c.keyUsages).toEqual(['cert sign', 'crl sign']);
  });

  it('accepts DER as well as PEM', () => {
    const der = Buffer.from(ca.cert.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
    expect(parseCertificate(new Uint8Array(der)).fingerprintSha256).toBe(
      parseCertificate(ca.cert).fingerprintSha256,
    );
  });

  it('reads every certificate of a bundle in order, ignoring text between blocks', () => {
    const bundle = `# leaf\n${serving}\nsome openssl -text output\n${ca.cert}`;
    expect(parseCertificates(bundle).map((c) => c.subject.commonNames[0])).toEqual([
      'system:node:worker-1',
      'test-ca',
    ]);
  });
});

describe('public key description', () => {
  it.each([
    ['rsa2048', { algorithm: 'RSA', bits: 2048 }],
    ['rsa3072', { algorithm: 'RSA', bits: 3072 }],
    ['p256', { algorithm: 'ECDSA', curve: 'P-256' }],
    ['p384', { algorithm: 'ECDSA', curve: 'P-384' }],
    ['ed25519', { algorithm: 'Ed25519' }],
  ] as const)('describes a %s key', (spec, expected) => {
    const c = ssl.selfSigned('/CN=k', { key: spec });
    expect(parseCertificate(c.cert).publicKey).toEqual(expected);
  });
});
