import { createServer, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiHttpError, requestJson, requestStatus } from '../src/kube/raw-api.ts';
import { serveLocally } from './support/local-api.ts';

type Answer = (res: ServerResponse) => void;

/** An HTTP API server that answers every call as `answer` says, and counts the sockets still open. */
async function apiServer(answer: Answer) {
  const open = new Set<Socket>();
  const server = createServer((_req, res) => answer(res));
  server.on('connection', (s) => {
    open.add(s);
    s.on('close', () => open.delete(s));
  });
  const { kc, stop } = await serveLocally(server);
  return { kc, stop, openSockets: () => open.size };
}

let stopServer: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stopServer?.();
  stopServer = undefined;
});

const json = (res: ServerResponse) => res.writeHead(200, { 'content-type': 'application/json' });

describe('requestJson frees the socket of a call the API server never finishes', () => {
  const cases: { name: string; answer: Answer; error: RegExp }[] = [
    {
      name: 'no answer at all',
      answer: () => {},
      error: /GET \/api\/v1\/nodes: the socket was silent for 0.2s/,
    },
    {
      name: 'headers, then a body that stops half-way',
      answer: (res) => {
        json(res);
        res.write('{"items": [');
      },
      error: /GET \/api\/v1\/nodes: the socket was silent for 0.2s/,
    },
  ];
  it.each(cases)('$name: rejects, and the socket is closed', async ({ answer, error }) => {
    const server = await apiServer(answer);
    stopServer = server.stop;
    await expect(requestJson(server.kc, 'GET', '/api/v1/nodes', undefined, 200)).rejects.toThrow(error);
    await expect.poll(server.openSockets).toBe(0);
  });

  it('an answer that comes in time is read whole (the bound is on silence, not on the call)', async () => {
    const server = await apiServer((res) => {
      json(res);
      res.write('{"items": [');
      setTimeout(() => res.end('1, 2]}'), 100);
    });
    stopServer = server.stop;
    await expect(requestJson(server.kc, 'GET', '/api/v1/nodes', undefined, 1_000)).resolves.toEqual({
      items: [1, 2],
    });
  });
});

describe("requestStatus reads a write's status, not its answer", () => {
  const PATH = '/apis/certificates.k8s.io/v1/certificatesigningrequests/csr-a/approval';
  it('a 2xx answer resolves, drained: the socket goes back to the pool for the next call', async () => {
    const server = await apiServer((res) => {
      json(res);
      res.end(JSON.stringify({ kind: 'CertificateSigningRequest', spec: { request: 'x'.repeat(50_000) } }));
    });
    stopServer = server.stop;
    for (let i = 0; i < 3; i++)
      await expect(requestStatus(server.kc, 'PUT', PATH, {})).resolves.toBeUndefined();
    expect(server.openSockets()).toBe(1);
  });

  // A complete error answer leaves its socket in the pool; a body cut short has its socket closed.
  const failures: { name: string; answer: Answer; error: (e: unknown) => void; sockets: number }[] = [
    {
      name: 'a 409 is an ApiHttpError with its code and the Status body',
      answer: (res) => {
        res.writeHead(409, { 'content-type': 'application/json' });
        res.end('{"kind":"Status","reason":"Conflict","message":"the object has been modified"}');
      },
      error: (e) => {
        expect(e).toBeInstanceOf(ApiHttpError);
        expect(e).toMatchObject({
          code: 409,
          message: expect.stringMatching(/HTTP 409: .*has been modified/),
        });
      },
      sockets: 1,
    },
    {
      name: 'a 2xx answer whose body stops half-way rejects on the silence',
      answer: (res) => {
        json(res);
        res.write('{"kind": "CertificateSigningRequest",');
      },
      error: (e) => expect(String(e)).toMatch(/PUT .*\/approval: the socket was silent for 0.2s/),
      sockets: 0,
    },
  ];
  it.each(failures)('$name', async ({ answer, error, sockets }) => {
    const server = await apiServer(answer);
    stopServer = server.stop;
    error(
      await requestStatus(server.kc, 'PUT', PATH, {}, 200).then(
        () => 'resolved',
        (e: unknown) => e,
      ),
    );
    await expect.poll(server.openSockets).toBe(sockets);
  });
});
