import { webcrypto } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCsr, THREADPOOL_BATCH, verifyCsrSignature, verifyCsrSignatures } from '../src/x509/csr.ts';
import { Pkcs10CertificateRequestGenerator } from '../src/x509/peculiar.ts';
import { toPem } from '../src/x509/pem.ts';
import { OpenSsl } from './support/openssl.ts';

const ssl = new OpenSsl();
afterAll(() => ssl.dispose());

const kubeletLike = ssl.csr(
  ['O = system:nodes', 'CN = system:node:worker-1'],
  ['DNS:worker-1', 'IP:127.0.0.11'],
);

/** Flips one byte of the signature (the last bytes of the DER) and re-encodes it as PEM. */
function tamper(pem: string): string {
  const der = Buffer.from(pem.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
  der[der.length - 3] = (der[der.length - 3] ?? 0) ^ 0xff;
  return toPem(new Uint8Array(der), 'CERTIFICATE REQUEST');
}

describe('parseCsr', () => {
  it('reads a kubelet-style request: subject, SANs, key', () => {
    const c = parseCsr(kubeletLike.csr);
    expect(c.subject.commonNames).toEqual(['system:node:worker-1']);
    expect(c.subject.organizations).toEqual(['system:nodes']);
    expect(c.sans.dns).toEqual(['worker-1']);
    expect(c.sans.ip).toEqual(['127.0.0.11']);
    expect(c.publicKey).toEqual({ algorithm: 'ECDSA', curve: 'P-256' });
    expect(c.extensionOids).toEqual(['2.5.29.17']);
  });

  it('keeps every subject attribute, including repeated and unexpected ones', () => {
    const c = parseCsr(
      ssl.csr(['0.O = system:nodes', '1.O = system:masters', 'OU = x', 'CN = system:node:a'], ['DNS:a']).csr,
    );
    expect(c.subject.organizations).toEqual(['system:nodes', 'system:masters']);
    expect(c.subject.organizationalUnits).toEqual(['x']);
    expect(c.subject.attributes.map((a) => a.type)).toEqual(['O', 'O', 'OU', 'CN']);
  });

  it('accepts the legacy "NEW CERTIFICATE REQUEST" PEM type', () => {
    const legacy = kubeletLike.csr.replaceAll('CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST');
    expect(parseCsr(legacy).subject.commonNames).toEqual(['system:node:worker-1']);
  });

  it('reads a request made by @peculiar/x509 with an Ed25519 key', async () => {
    const keys = (await webcrypto.subtle.generateKey('Ed25519', true, [
      'sign',
      'verify',
    ])) as webcrypto.CryptoKeyPair;
    const req = await Pkcs10CertificateRequestGenerator.create({
      name: 'CN=system:node:ed, O=system:nodes',
      keys,
      signingAlgorithm: { name: 'Ed25519' },
    });
    const c = parseCsr(req.toString('pem'));
    expect(c.publicKey).toEqual({ algorithm: 'Ed25519' });
    expect(await verifyCsrSignature(c)).toBe(true);
    expect(await verifyCsrSignatures([c])).toEqual([true]);
  });
});

describe('CSR signature verification', () => {
  it.each([
    ['an openssl EC P-256 request', () => kubeletLike.csr, true],
    ['an openssl RSA request', () => ssl.csr(['CN = r'], ['DNS:r'], 'rsa2048').csr, true],
    ['a request whose signature was altered', () => tamper(kubeletLike.csr), false],
  ])('%s verifies: %s (in the threadpool and in-line)', async (_name, make, expected) => {
    const c = parseCsr(make());
    expect(await verifyCsrSignature(c)).toBe(expected);
    expect(await verifyCsrSignatures([c])).toEqual([expected]);
  });

  // Both ways a batch is verified: in-line (a few, as the approver's burst) and in the threadpool.
  it.each([
    ['a small batch, verified in-line', 5],
    ['a large batch, verified in the threadpool', THREADPOOL_BATCH + 3],
  ])('%s keeps the order of its input and tells each apart', async (_name, size) => {
    const good = parseCsr(kubeletLike.csr);
    const bad = parseCsr(tamper(kubeletLike.csr));
    const batch = Array.from({ length: size }, (_, i) => (i % 3 === 1 ? bad : good));
    expect(await verifyCsrSignatures(batch, 2)).toEqual(batch.map((c) => c === good));
  });
});
