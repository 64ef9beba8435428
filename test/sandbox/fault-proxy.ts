import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { createServer, request } from 'node:https';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import type { Credentials } from './api.ts';
import type { Cluster } from './cluster.ts';

export interface FaultProxy {
  /** Admin credentials that reach the cluster through the proxy. */
  creds: Credentials;
  /** Requests the proxy held without answering. */
  stalled: string[];
  stop(): Promise<void>;
}

/**
 * A TLS proxy in front of the real kube-apiserver that never answers the requests `stall` picks
 * (the rest pass through unchanged, as the admin): a server that hangs on some calls, for timeout
 * tests. It serves the API server's own certificate, so clients trust it as they trust the cluster.
 */
export async function startFaultProxy(
  cluster: Cluster,
  stall: (req: IncomingMessage) => boolean,
): Promise<FaultProxy> {
  const pki = join(cluster.dir, 'pki');
  const upstream = new URL(cluster.admin.server);
  const stalled: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer(
    { cert: readFileSync(join(pki, 'apiserver.crt')), key: readFileSync(join(pki, 'apiserver.key')) },
    (req, res) => {
      if (stall(req)) {
        stalled.push(`${req.method} ${req.url}`);
        return;
      }
      const out = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: upstream.host },
          ca: cluster.admin.ca,
          cert: cluster.admin.cert,
          key: cluster.admin.key,
        },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      out.on('error', () => res.destroy());
      req.pipe(out);
    },
  );
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    creds: { ...cluster.admin, server: `https://127.0.0.1:${port}` },
    stalled,
    stop: () =>
      new Promise((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
