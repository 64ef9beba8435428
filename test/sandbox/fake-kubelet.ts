import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { issue, makeCa } from './pki.ts';

export interface FakeKubeletOptions {
  node: string;
  /** A 127.0.0.0/8 address (the node's InternalIP). */
  bind: string;
  /** 0 picks a free port. */
  port?: number;
  /** Default: a kubeadm-style self-signed pair, as a kubelet without serverTLSBootstrap makes. */
  serving?: { cert: string; key: string };
  serverTLSBootstrap?: boolean;
  rotateCertificates?: boolean;
  /** Where the self-signed pair is written. */
  workDir: string;
}

export interface FakeKubelet {
  node: string;
  host: string;
  port: number;
  /** The PEM chain it serves (leaf first). */
  servedCert: string;
  stop(): Promise<void>;
}

/**
 * certutil.GenerateSelfSignedCertKey(hostname, nil, nil), as the kubelet uses it: a CA
 * "NODE-ca@<unix time>" and a leaf "NODE@<unix time>" with only DNS:NODE, served with its CA.
 */
export function kubeletSelfSigned(
  workDir: string,
  node: string,
  now = new Date(),
): { cert: string; key: string } {
  const ts = Math.floor(now.getTime() / 1000);
  mkdirSync(workDir, { recursive: true });
  const ca = makeCa(workDir, 'selfca', `/CN=${node}-ca@${ts}`, 365);
  const leaf = issue(workDir, 'self', `/CN=${node}@${ts}`, ca, [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage=serverAuth',
    `subjectAltName=DNS:${node}`,
  ]);
  return { cert: leaf.cert + ca.cert, key: leaf.key };
}

/**
 * An HTTPS server standing in for a kubelet's :10250, in this process (so it can never outlive
 * the test): GET /healthz and GET /configz with the kubelet's TLS settings.
 */
export async function startFakeKubelet(opts: FakeKubeletOptions): Promise<FakeKubelet> {
  if (!opts.bind.startsWith('127.'))
    throw new Error(`fake kubelets bind only to 127.0.0.0/8, not ${opts.bind}`);
  const selfSigned = !opts.serving;
  const serving = opts.serving ?? kubeletSelfSigned(join(opts.workDir, opts.node), opts.node);
  const configz = JSON.stringify({
    kubeletconfig: {
      kind: 'KubeletConfiguration',
      apiVersion: 'kubelet.config.k8s.io/v1beta1',
      enableServer: true,
      address: opts.bind,
      serverTLSBootstrap: opts.serverTLSBootstrap ?? !selfSigned,
      rotateCertificates: opts.rotateCertificates ?? true,
      authentication: { anonymous: { enabled: false }, webhook: { enabled: true } },
      authorization: { mode: 'Webhook' },
    },
  });
  const server: Server = createServer({ cert: serving.cert, key: serving.key }, (req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method === 'GET' && path === '/healthz')
      return void res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
    if (req.method === 'GET' && path === '/configz')
      return void res.writeHead(200, { 'Content-Type': 'application/json' }).end(configz);
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('404 page not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.bind, resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    node: opts.node,
    host: opts.bind,
    port,
    servedCert: serving.cert,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
