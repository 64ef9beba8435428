import { createServer, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { requestJson } from '../src/kube/raw-api.ts';
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
