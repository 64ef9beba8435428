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
  /** Requests the proxy answered itself, as "STATUS METHOD URL". */
  answered: string[];
  stop(): Promise<void>;
}

/** An answer the proxy gives instead of the API server's. */
export interface FaultAnswer {
  status: number;
  message: string;
}

/**
 * A TLS proxy in front of the real kube-apiserver that never answers the requests `stall` picks,
 * and answers with a Status of its own where `respond` returns one (it may act on the cluster
 * first, e.g. delete the object before answering 409); the rest pass through unchanged, as the
 * admin. It serves the API server's own certificate, so clients trust it as they trust the cluster.
 */
export async function startFaultProxy(
  cluster: Cluster,
  stall: (req: IncomingMessage) => boolean,
  respond: (req: IncomingMessage) => Promise<FaultAnswer | undefined> | FaultAnswer | undefined = () =>
    undefined,
): Promise<FaultProxy> {
  const pki = join(cluster.dir, 'pki');
  const upstream = new URL(cluster.admin.server);
  const stalled: string[] = [];
  const answered: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer(
    { cert: readFileSync(join(pki, 'apiserver.crt')), key: readFileSync(join(pki, 'apiserver.key')) },
    async (req, res) => {
      if (stall(req)) {
        stalled.push(`${req.method} ${req.url}`);
        return;
      }
      const answer = await respond(req);
      if (answer) {
        answered.push(`${answer.status} ${req.method} ${req.url}`);
        req.resume();
        res.writeHead(answer.status, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            kind: 'Status',
            apiVersion: 'v1',
            status: 'Failure',
            message: answer.message,
            code: answer.status,
          }),
        );
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
          // As the API server does: a watch's headers go at once, not with its first event.
          res.flushHeaders();
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
    answered,
    stop: () =>
      new Promise((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
