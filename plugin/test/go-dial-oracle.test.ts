// What inspect-kubelet says about a kubelet endpoint, read over real TCP and TLS, must be what a Go
// client (metrics-server) says about the same endpoint: test/go-oracle dials it with Go 1.19's
// net and crypto/tls, and our probe + verdict must print Go's text.
import { createServer as createHttpServer } from 'node:http';
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { judgeKubelet, parseCertificates } from '@kubectl-certs/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Issued, OpenSsl } from '../../packages/core/test/support/openssl.ts';
import { goDial, goOracleBinary, goServeWithoutCertificate } from '../../test/go-oracle/go-oracle.ts';
import { readServedChain } from '../src/kube/tls-probe.ts';

// From an empty cache the first call builds the oracle with Go (about 10 s): do it before the cases.
beforeAll(() => {
  goOracleBinary();
}, 300_000);

const ssl = new OpenSsl();
const servers: Server[] = [];
const sockets = new Set<Socket>();
const stops: (() => void)[] = [];
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  for (const stop of stops) stop();
  ssl.dispose();
});

async function listen(server: Server): Promise<{ host: string; port: number }> {
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { host: '127.0.0.1', port: (server.address() as { port: number }).port };
}

const CA = ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign,cRLSign'];
const root = ssl.selfSigned('/CN=kubernetes');
const interReq = ssl.csr(['CN = kubelet-serving-ca']);
const shortInter: Issued = { cert: ssl.sign(interReq.csr, root, CA, 1), key: interReq.key };
function serving(issuer: Issued, ext: string[]) {
  const req = ssl.csr(['O = system:nodes', 'CN = system:node:w1']);
  return { cert: ssl.sign(req.csr, issuer, ext), key: req.key };
}
const good = serving(root, ['extendedKeyUsage=serverAuth', 'subjectAltName=DNS:w1,IP:127.0.0.1']);
const otherIp = serving(root, ['extendedKeyUsage=serverAuth', 'subjectAltName=IP:10.0.0.11']);
const clientOnly = serving(root, ['extendedKeyUsage=clientAuth', 'subjectAltName=IP:127.0.0.1']);
const underShort = serving(shortInter, ['extendedKeyUsage=serverAuth', 'subjectAltName=IP:127.0.0.1']);
// The same intermediate key certified twice (one copy expires tomorrow): a stale bundle file.
const renewedInter: Issued = { cert: ssl.sign(interReq.csr, root, CA), key: interReq.key };
// An intermediate of the same name with another key (and key ids that say so): Go still tries it,
// and names it in its hint, so the probe must hand it over as sent.
const KEY_IDS = ['subjectKeyIdentifier=hash', 'authorityKeyIdentifier=keyid'];
const keyIdInterReq = ssl.csr(['CN = kubelet-serving-ca']);
const keyIdInter: Issued = {
  cert: ssl.sign(keyIdInterReq.csr, root, [...CA, ...KEY_IDS]),
  key: keyIdInterReq.key,
};
const underKeyIdInter = serving(keyIdInter, [
  ...KEY_IDS,
  'extendedKeyUsage=serverAuth',
  'subjectAltName=IP:127.0.0.1',
]);
const wrongInter = ssl.sign(ssl.csr(['CN = kubelet-serving-ca']).csr, root, [...CA, ...KEY_IDS]);
const underShortWithKeyId = serving(shortInter, [
  ...KEY_IDS,
  'extendedKeyUsage=serverAuth',
  'subjectAltName=IP:127.0.0.1',
]);

const tls = (cert: string[], key: string, opts: { minVersion?: 'TLSv1.3' } = {}) =>
  listen(createTlsServer({ cert: cert.join(''), key, ...opts }, (s) => s.end()));

const endpoints: Record<string, () => Promise<{ host: string; port: number }>> = {
  'a closed port': async () => {
    const { host, port } = await listen(createTcpServer());
    await new Promise((r) => (servers.pop() as Server).close(r));
    return { host, port };
  },
  'plain HTTP on the kubelet port': () => listen(createHttpServer((_q, s) => s.end('ok'))),
  'a server that closes the connection at once': () => listen(createTcpServer((s) => s.end())),
  'a server that answers with text that is not TLS': () =>
    listen(createTcpServer((s) => s.end('this is not TLS\n'))),
  'a Go TLS server with no certificate yet (a kubelet whose CSR is Pending)': async () => {
    const server = await goServeWithoutCertificate();
    stops.push(server.stop);
    return server;
  },
  'a kubelet serving a certificate issued for its IP': () => tls([good.cert], good.key),
  'a kubelet serving a certificate for another IP': () => tls([otherIp.cert], otherIp.key),
  'a kubelet serving a certificate without serverAuth': () => tls([clientOnly.cert], clientOnly.key),
  'a kubelet serving its certificate with an expired intermediate': () =>
    tls([underShort.cert, shortInter.cert], underShort.key),
  'a kubelet serving the expired copy of its intermediate, then the renewed one: Go uses the renewed one':
    () => tls([underShort.cert, shortInter.cert, renewedInter.cert], underShort.key),
  'a kubelet serving the renewed copy of its intermediate, then the expired one': () =>
    tls([underShort.cert, renewedInter.cert, shortInter.cert], underShort.key),
  'a kubelet serving a wrong intermediate of the right name before the right one': () =>
    tls([underKeyIdInter.cert, wrongInter, keyIdInter.cert], underKeyIdInter.key),
  'a kubelet serving a wrong intermediate of the right name (another key)': () =>
    tls([underShortWithKeyId.cert, wrongInter], underShortWithKeyId.key),
  'a kubelet that speaks only TLS 1.3 (tlsMinVersion: VersionTLS13)': () =>
    tls([good.cert], good.key, { minVersion: 'TLSv1.3' }),
};

describe('inspect-kubelet on a real endpoint says what Go 1.19 net/http says (the Go oracle)', () => {
  const now = new Date(Date.now() + 2 * 86_400_000); // the intermediate above lives one day
  it.each(Object.keys(endpoints))('%s', async (name) => {
    const { host, port } = await (endpoints[name] as () => Promise<{ host: string; port: number }>)();
    const go = await goDial(`${host}:${port}`, root.cert, now);
    const v = await judgeKubelet({
      node: 'w1',
      addresses: [{ type: 'InternalIP', address: host }],
      port,
      preferredAddressTypes: ['InternalIP'],
      served: await readServedChain(host, port, 5000),
      roots: { ok: true, certs: parseCertificates(root.cert), source: 'ca.crt' },
      configz: { ok: true, serverTLSBootstrap: true, rotateCertificates: true },
      pendingCsrs: [],
      now,
    });
    expect(v.verdict === 'OK' ? 'OK' : v.cause).toBe(go);
  });
});
