import { createServer, type ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { runWatchLoop } from '../src/kube/watch-loop.ts';
import { serveLocally } from './support/local-api.ts';

type Obj = { metadata: { name: string; resourceVersion: string } };

/** An HTTP API server whose watch requests are held (never answered) while `hold` says so. */
async function apiServer(hold: (n: number) => boolean) {
  const held: ServerResponse[] = [];
  let watches = 0;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.searchParams.get('watch') !== 'true') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ items: [], metadata: { resourceVersion: '1' } }));
      return;
    }
    if (hold(++watches)) {
      held.push(res);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    const object: Obj = { metadata: { name: 'n1', resourceVersion: '2' } };
    res.write(`${JSON.stringify({ type: 'ADDED', object })}\n`);
  });
  const { kc, stop } = await serveLocally(server);
  return { kc, stop, watches: () => watches };
}

let stopServer: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stopServer?.();
});

describe('a watch whose API server holds the request', () => {
  it('is a failed try once --request-timeout passes before its headers: one line, watched again, events arrive', async () => {
    const server = await apiServer((n) => n === 1);
    stopServer = server.stop;
    const log: string[] = [];
    const seen: string[] = [];
    const stop = new AbortController();
    const loop = runWatchLoop<Obj>(server.kc, {
      what: 'Nodes',
      path: '/api/v1/nodes',
      list: async () => ({ items: [], resourceVersion: '1' }),
      onList: () => {},
      onEvent: (type, o) => {
        seen.push(`${type} ${o.metadata.name}`);
        stop.abort();
      },
      signal: stop.signal,
      log: (l) => log.push(l),
      timeoutMs: 100,
    });
    await loop;
    expect(seen).toEqual(['ADDED n1']);
    expect(server.watches()).toBe(2);
    expect(log).toEqual([
      'watching Nodes from resourceVersion 1',
      'connection to the API server lost (watching Nodes: no answer within 0.1s (--request-timeout)); retrying',
    ]);
  });
});
