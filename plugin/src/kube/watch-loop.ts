import { setTimeout as sleep } from 'node:timers/promises';
import { type KubeConfig, Watch } from '@kubernetes/client-node';

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
        const list = await loop.list();
        rv = list.resourceVersion;
        await loop.onList(list.items);
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

interface WatchResult {
  rv: string;
  gone: boolean;
  error?: unknown;
}

function watchOnce<T extends { metadata?: { resourceVersion?: string } }>(
  kc: KubeConfig,
  loop: WatchLoop<T>,
  rv: string,
): Promise<WatchResult> {
  const { signal } = loop;
  return new Promise((resolve) => {
    let last = rv;
    let gone = false;
    let finished = false;
    let controller: AbortController | undefined;
    const stop = () => controller?.abort();
    signal.addEventListener('abort', stop, { once: true });
    void new Watch(kc)
      .watch(
        loop.path,
        { resourceVersion: rv, allowWatchBookmarks: true, timeoutSeconds: 300 },
        (type: string, obj: T & { code?: number }) => {
          if (type === 'ERROR') {
            gone ||= obj.code === 410;
            return;
          }
          last = obj.metadata?.resourceVersion ?? last;
          // client-node swallows what a callback throws: say it, or an event would vanish unseen.
          if (type === 'ADDED' || type === 'MODIFIED' || type === 'DELETED')
            try {
              loop.onEvent(type, obj);
            } catch (e) {
              loop.log(`handling a watch event of ${loop.what} failed: ${(e as Error).message}`);
            }
        },
        (err: unknown) => {
          finished = true;
          signal.removeEventListener('abort', stop);
          const status = (err as { statusCode?: number } | null)?.statusCode;
          const timedOut = (err as { name?: string } | null)?.name === 'TimeoutError';
          // The client aborts a quiet watch after 30 s: that is not a failure, just watch again.
          resolve({
            rv: last,
            gone: gone || status === 410,
            ...(err && !timedOut && !signal.aborted ? { error: err } : {}),
          });
        },
      )
      .then(
        (c) => {
          controller = c;
          if (!finished) loop.onLive?.(true);
          if (signal.aborted) c.abort();
        },
        (err: unknown) => {
          signal.removeEventListener('abort', stop);
          resolve({ rv: last, gone: (err as { statusCode?: number }).statusCode === 410, error: err });
        },
      );
  });
}

function describe(e: unknown): string {
  const err = e as { code?: string | number; message?: string; cause?: { code?: string } };
  return String(err.cause?.code ?? err.code ?? err.message ?? e);
}
