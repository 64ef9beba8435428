import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pemBundle } from '../../src/secure/apiservice-objects.ts';
import {
  createServingCa,
  issueServingCertificate,
  type PemKeyPair,
  SERVING_CA_NAME,
} from '../../src/secure/serving-ca.ts';
import { parseCertificate } from '../../src/x509/certificate.ts';
import { OpenSsl } from '../support/openssl.ts';

const ssl = new OpenSsl();
afterAll(() => ssl.dispose());
const day = 86_400_000;
const now = new Date();
const names = ['metrics-server.kube-system.svc', 'metrics-server.kube-system', 'metrics-server'];
let ca: PemKeyPair;
let otherCa: PemKeyPair;
let serving: PemKeyPair;
let n = 0;
const file = (text: string) => {
  const p = join(ssl.dir, `f${n++}.pem`);
  writeFileSync(p, text);
  return p;
};
/** openssl verify's verdict: "OK", or its error line. */
const verify = (caPem: string, leaf: string, extra: string[] = []) => {
  try {
    return ssl
      .run(['verify', '-CAfile', file(caPem), ...extra, file(leaf)])
      .trim()
      .split(': ')
      .at(-1);
  } catch (e) {
    const out = String((e as { stdout?: Buffer }).stdout ?? '') + String((e as { stderr?: Buffer }).stderr);
    return out.match(/error \d+ at \d+ depth lookup: (.*)/)?.[1] ?? out;
  }
};

beforeAll(async () => {
  ca = await createServingCa(now);
  otherCa = await createServingCa(now);
  serving = await issueServingCertificate(ca, names, now);
});

describe('the CA that secure metrics-server creates', () => {
  it('is a P-256 CA named kubectl-certs metrics-server CA that may sign leaves only, for ten years', () => {
    const text = ssl.x509(ca.cert, ['-text']);
    expect(text).toContain(`Subject: CN = ${SERVING_CA_NAME}`);
    expect(text).toContain(`Issuer: CN = ${SERVING_CA_NAME}`);
    expect(text).toMatch(/X509v3 Basic Constraints: critical\n\s+CA:TRUE, pathlen:0/);
    expect(text).toMatch(/X509v3 Key Usage: critical\n\s+Certificate Sign, CRL Sign/);
    expect(text).toContain('ASN1 OID: prime256v1');
    expect(text).toContain('Signature Algorithm: ecdsa-with-SHA256');
    const c = parseCertificate(ca.cert);
    expect(c.notAfter.getTime() - c.notBefore.getTime()).toBe(3650 * day);
    expect(verify(ca.cert, ca.cert)).toBe('OK');
  });

  it('keeps its key as PKCS #8, the key of its certificate', () => {
    expect(ca.key).toMatch(/^-----BEGIN PRIVATE KEY-----\n[A-Za-z0-9+/=\n]+\n-----END PRIVATE KEY-----\n$/);
    expect(ca.cert).toMatch(/\n-----END CERTIFICATE-----\n$/);
    expect(ssl.run(['pkey', '-pubout'], ca.key)).toBe(ssl.run(['x509', '-noout', '-pubkey'], ca.cert));
  });

  it('makes a new key each time', () => {
    expect(ssl.x509(otherCa.cert, ['-pubkey'])).not.toBe(ssl.x509(ca.cert, ['-pubkey']));
  });
});

describe("metrics-server's serving certificate", () => {
  it.each(names)('verifies as a TLS server for %s with the CA (openssl verify)', (name) => {
    expect(verify(ca.cert, serving.cert, ['-purpose', 'sslserver', '-verify_hostname', name])).toBe('OK');
  });

  it.each([
    ['another CA', () => verify(otherCa.cert, serving.cert), 'unable to get local issuer certificate'],
    [
      'another name',
      () => verify(ca.cert, serving.cert, ['-verify_hostname', 'localhost']),
      'hostname mismatch',
    ],
  ])('fails with %s', (_, run, error) => {
    expect(run()).toBe(error);
  });

  it('is a leaf for serverAuth with every name as a DNS SAN, for one year, and its key matches', () => {
    const c = parseCertificate(serving.cert);
    expect(c.isCA).toBe(false);
    expect(c.sans.dns).toEqual(names);
    expect(c.subject.text).toBe('CN=metrics-server.kube-system.svc');
    expect(c.extendedKeyUsages).toEqual(['server auth']);
    expect(c.notAfter.getTime() - c.notBefore.getTime()).toBe(365 * day);
    expect(ssl.run(['pkey', '-pubout'], serving.key)).toBe(
      ssl.run(['x509', '-noout', '-pubkey'], serving.cert),
    );
  });

  it('never outlives its CA', async () => {
    const shortCa = await createServingCa(now, 10 * day);
    const c = parseCertificate((await issueServingCertificate(shortCa, names, now)).cert);
    expect(c.notAfter).toEqual(parseCertificate(shortCa.cert).notAfter);
  });

  it('verifies with a bundle of the old and the new CA, whichever issued it (a rotation)', async () => {
    const fromOther = await issueServingCertificate(otherCa, names, now);
    const bundle = pemBundle([ca.cert, otherCa.cert]);
    expect([verify(bundle, serving.cert), verify(bundle, fromOther.cert)]).toEqual(['OK', 'OK']);
  });
});
