import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeConfig } from '@kubernetes/client-node';
import { openStream } from './raw-api.ts';
import { RequestTimeout } from './timeout.ts';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface WatchLoop<T> {
  /** For log lines: "kubelet-serving CSRs", "Nodes". */
  what: string;
  /** The collection's API path, e.g. /api/v1/nodes. */
  path: string;
  list(): Promise<{ items: T[]; resourceVersion: string }>;
  /** Every object of a (re)list, awaited before watching. */
  onList(items: T[]): Promise<void> | void;
  onEvent(type: WatchEventType, obj: T): void;
  /** True while a watch connection is open and answering, false while listing or reconnecting. */
  onLive?(live: boolean): void;
  signal: AbortSignal;
  log: (line: string) => void;
  /** --request-timeout: how long a watch request may wait for its answer's headers (0 or absent: QUIET_MS). */
  timeoutMs?: number;
}

/**
 * List, then watch from the list's resourceVersion, until `signal` aborts; on a dropped connection
 * watch again from the last version seen (with backoff), on 410 Gone list again. client-go's
 * reflector does the same.
 */
export async function runWatchLoop<T extends { metadata?: { resourceVersion?: string } }>(
  kc: KubeConfig,
  loop: WatchLoop<T>,
): Promise<void> {
  let rv: string | undefined;
  let failures = 0;
  while (!loop.signal.aborted) {
    try {
      if (rv === undefined) {
        rv = await listOnce(loop);
        loop.log(`watching ${loop.what} from resourceVersion ${rv}`);
      }
      const result = await watchOnce(kc, loop, rv);
      loop.onLive?.(false);
      if (result.gone) {
        loop.log('resourceVersion too old (410 Gone): listing again');
        rv = undefined;
      } else {
        rv = result.rv;
        if (result.error && !loop.signal.aborted) throw result.error;
      }
      failures = 0;
    } catch (e) {
      loop.onLive?.(false);
      if (loop.signal.aborted) break;
      failures++;
      loop.log(`connection to the API server lost (${describe(e)}); retrying`);
      await sleep(Math.min(500 * 2 ** Math.min(failures, 4), 5_000), undefined, {
        signal: loop.signal,
      }).catch(() => {});
    }
  }
}

/**
 * Lists and hands the items over; returns the list's resourceVersion. A function of its own: a
 * local of the loop above would keep the whole list alive (V8 keeps a suspended async function's
 * registers) while it watches, which was most of the approver's idle memory with 5,000 CSRs.
 */
async function listOnce<T>(loop: WatchLoop<T>): Promise<string> {
  const list = await loop.list();
  await loop.onList(list.items);
  return list.resourceVersion;
}

interface WatchResult {
  rv: string;
  gone: boolean;
  error?: unknown;
}

/**
 * A watch connection quiet this long is closed and watched again from the last resourceVersion
 * (as client-node's Watch does); the server ends every watch at its timeoutSeconds (client-go's
 * reflector asks for one too).
 */
const QUIET_MS = 30_000;

/**
 * One watch connection over node:https (raw-api.ts), each line parsed once: client-node's Watch
 * builds an undici dispatcher per connection and runs through fetch and web streams.
 */
function watchOnce<T extends { metadata?: { resourceVersion?: string } }>(
  kc: KubeConfig,
  loop: WatchLoop<T>,
  rv: string,
): Promise<WatchResult> {
  const { signal } = loop;
  const query = new URLSearchParams({
    watch: 'true',
    resourceVersion: rv,
    allowWatchBookmarks: 'true',
    timeoutSeconds: '300',
  });
  const stop = new AbortController();
  const abort = () => stop.abort();
  // A request held before its headers is a failed try (logged, watched again with backoff).
  const connectMs = loop.timeoutMs || QUIET_MS;
  let connectTimedOut = false;
  const connecting = setTimeout(() => {
    connectTimedOut = true;
    stop.abort();
  }, connectMs);
  signal.addEventListener('abort', abort, { once: true });
  let last = rv;
  let gone = false;
  const onLine = (line: string) => {
    if (!line) return;
    let e: { type: string; object: T & { code?: number } };
    try {
      e = JSON.parse(line);
    } catch {
      return; // as client-node: a line that is not JSON is skipped
    }
    if (e.type === 'ERROR') {
      gone ||= e.object?.code === 410;
      return;
    }
    last = e.object?.metadata?.resourceVersion ?? last;
    if (e.type === 'ADDED' || e.type === 'MODIFIED' || e.type === 'DELETED')
      try {
        loop.onEvent(e.type, e.object);
      } catch (err) {
        loop.log(`handling a watch event of ${loop.what} failed: ${(err as Error).message}`);
      }
  };
  return openStream(kc, `${loop.path}?${query}`, stop.signal)
    .then(
      (res) =>
        new Promise<WatchResult>((resolve) => {
          clearTimeout(connecting);
          loop.onLive?.(true);
          let quiet = false;
          let rest = '';
          res.setEncoding('utf8');
          res.setTimeout(QUIET_MS, () => {
            quiet = true;
            stop.abort();
          });
          res.on('data', (chunk: string) => {
            const lines = (rest + chunk).split('\n');
            rest = lines.pop() ?? '';
            for (const line of lines) onLine(line);
          });
          const done = (err?: unknown) => {
            signal.removeEventListener('abort', abort);
            res.destroy();
            const failed = err && !quiet && !signal.aborted;
            resolve({ rv: last, gone, ...(failed ? { error: err } : {}) });
          };
          res.on('end', () => {
            onLine(rest);
            done();
          });
          res.on('error', done);
          res.on('close', () =>
            done(res.complete || quiet ? undefined : new Error('watch connection closed')),
          );
        }),
    )
    .catch((err: unknown) => {
      clearTimeout(connecting);
      signal.removeEventListener('abort', abort);
      const status = (err as { code?: unknown }).code;
      const error = connectTimedOut
        ? new RequestTimeout(
            `watching ${loop.what}`,
            connectMs,
            loop.timeoutMs ? undefined : 'the bound of a quiet watch',
          )
        : err;
      return { rv: last, gone: status === 410, ...(signal.aborted ? {} : { error }) };
    });
}

function describe(e: unknown): string {
  const err = e as { code?: string | number; message?: string; cause?: { code?: string } };
  return String(err.cause?.code ?? err.code ?? err.message ?? e);
}
