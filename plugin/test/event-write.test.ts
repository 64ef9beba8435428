import type { CoreV1Event } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { ApproveClient } from '../src/approve/approve-client.ts';
import { writeEvent } from '../src/approver/event-write.ts';
import { apiError } from './support/fake-cluster.ts';

type Answer = 'hang' | 'created' | 'exists' | Error;

/** An API server that answers each Event POST as the case lists (the last answer repeats). */
function eventServer(answers: Answer[]) {
  const posts: string[] = [];
  const client = {
    createEvent: (namespace: string, e: CoreV1Event) => {
      posts.push(`${namespace}/${e.metadata?.name}`);
      const a = (answers.length > 1 ? answers.shift() : answers[0]) as Answer;
      if (a === 'hang') return new Promise<never>(() => {});
      return a instanceof Error ? Promise.reject(a) : Promise.resolve(a);
    },
  } as unknown as ApproveClient;
  return { client, posts };
}

const EVENT: CoreV1Event = { metadata: { name: 'csr-a.0123' }, involvedObject: {} };
const RETRY = { attempts: Number.POSITIVE_INFINITY, baseMs: 1, maxMs: 2 };
const TIMEOUT = 'recording an Event for csr-a: no answer within 0.05s (--request-timeout)';

describe("an Event POST of the approver's: bounded in time, tried again when the trouble is ours", () => {
  it.each<[string, Answer[], number, (string | RegExp)[]]>([
    ['written at once: nothing logged', ['created'], 1, []],
    ['already there (409, a retry of one that landed): nothing logged', ['exists'], 1, []],
    [
      'a POST that never answers is timed out and tried again until written',
      ['hang', 'hang', 'created'],
      3,
      [new RegExp(`^${escapeRegExp(TIMEOUT)}; trying again in [\\d.]+s$`), expect.stringContaining(TIMEOUT)],
    ],
    [
      'a 503 is tried again',
      [apiError(503, 'etcdserver: request timed out'), 'created'],
      2,
      [/^recording an Event for csr-a: HTTP 503: etcdserver: request timed out; trying again in [\d.]+s$/],
    ],
    [
      'a 403 is final: one line, never thrown',
      [apiError(403, 'events is forbidden')],
      1,
      ['recording an Event for csr-a: HTTP 403: events is forbidden'],
    ],
  ])('%s', async (_n, answers, posts, lines) => {
    const server = eventServer(answers);
    const log: string[] = [];
    await writeEvent(server.client, EVENT, 'csr-a', { timeoutMs: 50, retry: RETRY, log: (l) => log.push(l) });
    expect(server.posts).toEqual(Array(posts).fill('default/csr-a.0123'));
    expect(log).toEqual(lines.map((l) => (l instanceof RegExp ? expect.stringMatching(l) : l)));
  });

  it("stops trying once its signal aborts (the queue's bound after leading ends), and says why", async () => {
    const server = eventServer(['hang']);
    const log: string[] = [];
    const stop = new AbortController();
    const writing = writeEvent(
      server.client,
      EVENT,
      'csr-a',
      { timeoutMs: 50, retry: { ...RETRY, baseMs: 60_000, maxMs: 60_000 }, log: (l) => log.push(l) },
      stop.signal,
    );
    while (log.length === 0) await new Promise((r) => setTimeout(r, 10));
    stop.abort();
    await writing;
    expect(server.posts.length).toBe(1);
    expect(log).toEqual([expect.stringMatching(/trying again in [\d.]+s$/), TIMEOUT]);
  });

  it("with one attempt (the renewal's Event, whose name is generated) a timeout is logged, not tried again", async () => {
    const server = eventServer(['hang']);
    const log: string[] = [];
    await writeEvent(server.client, EVENT, 'csr-a', {
      timeoutMs: 50,
      retry: { ...RETRY, attempts: 1 },
      log: (l) => log.push(l),
    });
    expect([server.posts.length, log]).toEqual([1, [TIMEOUT]]);
  });
});

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
