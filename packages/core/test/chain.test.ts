import { afterAll, describe, expect, it } from 'vitest';
import { parseCertificate } from '../src/x509/certificate.ts';
import { verifyChain } from '../src/x509/chain.ts';
import { der, generateCa, generateLeaf } from './support/generated.ts';
import { OpenSsl } from './support/openssl.ts';

const ssl = new OpenSsl();
afterAll(() => ssl.dispose());

const root = ssl.selfSigned('/CN=cluster-ca');
const other = ssl.selfSigned('/CN=other-ca');
const caExt = ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign'];
// An intermediate that signs nothing here: serving it must not help an unrelated leaf.
const strayIntermediate = ssl.sign(ssl.csr(['CN = intermediate'], [], 'rsa2048').csr, root, caExt);
const leafKeyCsr = ssl.csr(['CN = system:node:w1', 'O = system:nodes'], ['DNS:w1']);
const leafFromRoot = ssl.sign(leafKeyCsr.csr, root, ['extendedKeyUsage=serverAuth']);
const interReq = ssl.csr(['CN = intermediate-2'], [], 'rsa2048');
const inter2 = ssl.sign(interReq.csr, root, caExt);
const leafFromInter = ssl.sign(leafKeyCsr.csr, { cert: inter2, key: interReq.key }, [
  'extendedKeyUsage=serverAuth',
]);
const kubeletSelfSigned = ssl.selfSigned('/CN=w1@1700000000', { ext: ['subjectAltName=DNS:w1'] });

// A minute after the fixtures were made, so none of them is "not yet valid".
const now = new Date(Date.now() + 60_000);
const p = parseCertificate;

describe('verifyChain', () => {
  it('accepts a leaf signed directly by a trusted root', async () => {
    const r = await verifyChain([p(leafFromRoot)], [p(root.cert)], now);
    expect(r).toMatchObject({ ok: true });
    expect(r.path.map((c) => c.subject.commonNames[0])).toEqual(['system:node:w1', 'cluster-ca']);
  });

  it('follows a served intermediate to the root', async () => {
    const r = await verifyChain([p(leafFromInter), p(inter2)], [p(root.cert)], now);
    expect(r.ok).toBe(true);
    expect(r.path.map((c) => c.subject.commonNames[0])).toEqual([
      'system:node:w1',
      'intermediate-2',
      'cluster-ca',
    ]);
  });

  it.each([
    ['a kubelet self-signed certificate', () => [p(kubeletSelfSigned.cert)], () => [p(root.cert)]],
    ['a leaf of another CA', () => [p(leafFromRoot)], () => [p(other.cert)]],
    ['a leaf whose intermediate was not served', () => [p(leafFromInter)], () => [p(root.cert)]],
    [
      'a leaf with an intermediate that does not sign it',
      () => [p(leafFromInter), p(strayIntermediate)],
      () => [p(root.cert)],
    ],
    ['no trusted roots at all', () => [p(leafFromRoot)], () => []],
  ])('refuses %s as Go does: signed by unknown authority', async (_n, served, roots) => {
    const r = await verifyChain(served(), roots(), now);
    expect(r).toMatchObject({
      ok: false,
      failure: 'unknown-authority',
      message: 'x509: certificate signed by unknown authority',
    });
  });

  it("reports an expired leaf with Go's message and times", async () => {
    const ca = await generateCa(
      'CN=gen-ca',
      new Date('2020-01-01T00:00:00Z'),
      new Date('2040-01-01T00:00:00Z'),
    );
    const leaf = await generateLeaf(
      'CN=old',
      ca,
      new Date('2021-01-01T00:00:00Z'),
      new Date('2022-01-01T00:00:00Z'),
    );
    const r = await verifyChain([p(der(leaf))], [p(der(ca.cert))], new Date('2023-05-06T07:08:09.123Z'));
    expect(r.failure).toBe('expired');
    expect(r.message).toBe(
      'x509: certificate has expired or is not yet valid: current time 2023-05-06T07:08:09Z is after 2022-01-01T00:00:00Z',
    );
  });

  it('reports a leaf that is not valid yet', async () => {
    const ca = await generateCa(
      'CN=gen-ca',
      new Date('2020-01-01T00:00:00Z'),
      new Date('2040-01-01T00:00:00Z'),
    );
    const leaf = await generateLeaf(
      'CN=future',
      ca,
      new Date('2030-01-01T00:00:00Z'),
      new Date('2031-01-01T00:00:00Z'),
    );
    const r = await verifyChain([p(der(leaf))], [p(der(ca.cert))], new Date('2025-01-01T00:00:00Z'));
    expect(r.failure).toBe('not-yet-valid');
    expect(r.message).toContain('is before 2030-01-01T00:00:00Z');
  });

  it("reports an expired root with Go's expiry error, not as an unknown authority", async () => {
    const ca = await generateCa(
      'CN=gen-ca',
      new Date('2020-01-01T00:00:00Z'),
      new Date('2021-01-01T00:00:00Z'),
    );
    const leaf = await generateLeaf(
      'CN=leaf',
      ca,
      new Date('2020-06-01T00:00:00Z'),
      new Date('2030-01-01T00:00:00Z'),
    );
    const r = await verifyChain([p(der(leaf))], [p(der(ca.cert))], new Date('2025-01-01T00:00:00Z'));
    expect(r).toMatchObject({
      ok: false,
      failure: 'expired',
      message:
        'x509: certificate has expired or is not yet valid: current time 2025-01-01T00:00:00Z is after 2021-01-01T00:00:00Z',
    });
  });
});
