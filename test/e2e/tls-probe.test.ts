import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { SubjectAlternativeNameExtension, X509CertificateGenerator } from '@peculiar/x509';
import { afterAll, describe, expect, it } from 'vitest';
import { readServedChain } from '../../plugin/src/kube/tls-probe.ts';

const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const servers: Server[] = [];
const sockets = new Set<Socket>();
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

/** Every server of this file records its connections, so the file can end without waiting on them. */
function track<T extends Server>(server: T): T {
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  servers.push(server);
  return server;
}

/** A real TLS server on loopback serving `certs` (leaf first) with the leaf's key. */
async function serve(certs: string[], key: string): Promise<number> {
  const server = track(createTlsServer({ cert: certs.join('\n'), key }, (s) => s.end()));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as { port: number }).port;
}

async function certificate(
  name: string,
  issuer?: { name: string; keys: webcrypto.CryptoKeyPair },
  extensions = [] as SubjectAlternativeNameExtension[],
) {
  const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const cert = issuer
    ? await X509CertificateGenerator.create({
        subject: name,
        issuer: issuer.name,
        publicKey: keys.publicKey,
        signingKey: issuer.keys.privateKey,
        signingAlgorithm: alg,
        extensions,
      })
    : await X509CertificateGenerator.createSelfSigned({ name, keys, signingAlgorithm: alg, extensions });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)).toString('base64');
  return {
    name,
    keys,
    pem: cert.toString('pem'),
    key: `-----BEGIN PRIVATE KEY-----\n${pkcs8}\n-----END PRIVATE KEY-----\n`,
  };
}

describe('readServedChain (real TLS handshakes on loopback)', () => {
  it('reads the leaf and the CA a kubelet serves with it, in order', async () => {
    const ca = await certificate('CN=worker-1-ca@1700000000');
    const leaf = await certificate('CN=worker-1@1700000000', ca);
    const r = await readServedChain('127.0.0.1', await serve([leaf.pem, ca.pem], leaf.key), 5000);
    expect(r.ok && r.chain.map((c) => c.subject.commonNames[0])).toEqual([
      'worker-1@1700000000',
      'worker-1-ca@1700000000',
    ]);
  });

  it('reads a lone self-signed certificate once', async () => {
    const self = await certificate('CN=worker-2');
    const r = await readServedChain('127.0.0.1', await serve([self.pem], self.key), 5000);
    expect(r.ok && r.chain.map((c) => c.subject.commonNames[0])).toEqual(['worker-2']);
  });

  it('reports a served certificate it cannot read (two SAN extensions) as a result, not a crash', async () => {
    const dup = await certificate('CN=worker-3', undefined, [
      new SubjectAlternativeNameExtension([{ type: 'dns', value: 'worker-3' }]),
      new SubjectAlternativeNameExtension([{ type: 'dns', value: 'worker-4' }]),
    ]);
    const r = await readServedChain('127.0.0.1', await serve([dup.pem], dup.key), 5000);
    expect(r).toEqual({
      ok: false,
      error: expect.stringMatching(/cannot be read: .*duplicate extension 2\.5\.29\.17/),
    });
  });

  it("reports a closed port in Go's words", async () => {
    const tcp = createTcpServer();
    await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r));
    const port = (tcp.address() as { port: number }).port;
    await new Promise((r) => tcp.close(r));
    expect(await readServedChain('127.0.0.1', port, 5000)).toEqual({
      ok: false,
      error: `dial tcp 127.0.0.1:${port}: connect: connection refused`,
    });
  });

  it('gives up on a server that never answers the handshake', async () => {
    const silent = track(createTcpServer(() => {}));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    expect(await readServedChain('127.0.0.1', port, 300)).toEqual({
      ok: false,
      error: 'no TLS answer within 0.3s',
    });
  });
});
