import { webcrypto } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { describeCertificate, parseCertificate } from '../src/x509/certificate.ts';
import { keyUsageNames } from '../src/x509/key-usage.ts';
import {
  BasicConstraintsExtension,
  ExtendedKeyUsageExtension,
  KeyUsagesExtension,
  SubjectAlternativeNameExtension,
  X509Certificate,
  X509CertificateGenerator,
} from '../src/x509/peculiar.ts';
import { OpenSsl } from './support/openssl.ts';

const ssl = new OpenSsl();
afterAll(() => ssl.dispose());

/** What @peculiar/x509 (a full ASN.1 schema parser) reads from the same certificate. */
function reference(pem: string) {
  const c = new X509Certificate(pem);
  const alg = c.signatureAlgorithm as unknown as { name: string; hash?: { name: string } };
  return {
    notBefore: c.notBefore,
    notAfter: c.notAfter,
    keyUsages: keyUsageNames(c.getExtension(KeyUsagesExtension)?.usages ?? 0),
    extendedKeyUsages: c.getExtension(ExtendedKeyUsageExtension)?.usages.length ?? 0,
    isCA: c.getExtension(BasicConstraintsExtension)?.ca ?? false,
    signatureAlgorithm: [alg.name, alg.hash?.name].filter(Boolean).join(' '),
  };
}

/** A P-256 self-signed certificate made in-process (for encodings openssl will not write). */
async function selfSigned(
  params: Omit<Parameters<typeof X509CertificateGenerator.createSelfSigned>[0], 'keys' | 'signingAlgorithm'>,
) {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
  const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  return X509CertificateGenerator.createSelfSigned({ ...params, keys, signingAlgorithm: alg });
}

const ALL_USAGES =
  'keyUsage=critical,digitalSignature,nonRepudiation,keyEncipherment,dataEncipherment,keyAgreement,keyCertSign,cRLSign,encipherOnly,decipherOnly';

describe('the DER certificate reader agrees with @peculiar/x509 and openssl', () => {
  it.each([
    ['an RSA CA', () => ssl.selfSigned('/CN=rsa-ca').cert],
    [
      'a P-256 leaf',
      () => ssl.selfSigned('/CN=ec', { key: 'p256', ext: ['extendedKeyUsage=serverAuth,clientAuth'] }).cert,
    ],
    [
      'an Ed25519 certificate',
      () => ssl.selfSigned('/CN=ed', { key: 'ed25519', ext: ['basicConstraints=CA:FALSE'] }).cert,
    ],
    [
      'every key usage bit, decipherOnly (the ninth) included',
      () => ssl.selfSigned('/CN=all', { ext: [ALL_USAGES] }).cert,
    ],
    ['validity past 2049 (GeneralizedTime)', () => ssl.selfSigned('/CN=long', { days: 40000 }).cert],
    ['a P-384 key with SHA-384', () => ssl.selfSigned('/CN=p384', { key: 'p384' }).cert],
  ])('%s', (_n, make) => {
    const pem = make();
    const ours = parseCertificate(pem);
    const ref = reference(pem);
    expect({ ...ours, extendedKeyUsages: ours.extendedKeyUsages.length }).toMatchObject(ref);
    expect(`serial=${ours.serialNumber}`.toLowerCase()).toBe(ssl.x509(pem, ['-serial']).toLowerCase());
    expect(ours.notAfter.getTime()).toBe(
      new Date(ssl.x509(pem, ['-enddate']).replace('notAfter=', '')).getTime(),
    );
  });

  it('a serial whose high bit is set is printed without its sign byte, as openssl does', async () => {
    const cert = await selfSigned({ serialNumber: '80ff01', name: 'CN=s' });
    expect(describeCertificate(new Uint8Array(cert.rawData)).serialNumber).toBe('80ff01');
  });

  it('refuses a certificate with two subjectAltName extensions, as Go does (a client could read either)', async () => {
    const cert = await selfSigned({
      name: 'CN=dup',
      extensions: [
        new SubjectAlternativeNameExtension([{ type: 'dns', value: 'worker-1' }]),
        new SubjectAlternativeNameExtension([{ type: 'dns', value: 'worker-2' }]),
      ],
    });
    expect(() => describeCertificate(new Uint8Array(cert.rawData))).toThrow(/duplicate extension 2.5.29.17/);
  });

  it.each([
    ['not DER at all', new Uint8Array([1, 2, 3])],
    [
      'a truncated certificate',
      new Uint8Array(
        Buffer.from(ssl.selfSigned('/CN=t').cert.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64'),
      ).subarray(0, 200),
    ],
  ])('%s is a typed malformed error, never a crash', (_n, der) => {
    expect(() => describeCertificate(der)).toThrow(
      expect.objectContaining({
        code: 'malformed',
        message: expect.stringMatching(/^not a valid X.509 certificate/),
      }),
    );
  });
});
