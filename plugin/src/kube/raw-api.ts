import type { Agent as HttpAgent, IncomingMessage } from 'node:http';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

/** What the callers read of a failed call, as client-node's ApiException has it. */
export class ApiHttpError extends Error {
  readonly code: number;
  readonly body: string;
  readonly headers: Record<string, string>;
  constructor(code: number, body: string, headers: Record<string, string>) {
    super(`HTTP ${code}: ${body.slice(0, 200)}`);
    this.code = code;
    this.body = body;
    this.headers = headers;
  }
}

/**
 * Calls the API server over node:http(s) with the credentials, proxy and agent client-node's
 * KubeConfig gives (applyToHTTPSOptions: certificates, tokens, exec plugins), and parses the JSON
 * answer once, as plain objects. client-node's generated client costs milliseconds of CPU per call
 * on the approver's hot paths (a fresh undici dispatcher per request, each object serialised and
 * deserialised by its type map into model classes) and twice the memory while a list page is
 * parsed. The agent is client-node's cached one, kept alive (client-node makes it without).
 */
/**
 * A call's socket silent this long is destroyed. Callers bound their own waits (--request-timeout,
 * 30s by default) and give up on the promise, not the request: without this, each call given up on
 * while the API server hangs would keep its socket open until the server or TCP closed it.
 */
export const ABANDONED_CALL_MS = 120_000;

export async function requestJson<T>(
  kc: KubeConfig,
  method: string,
  path: string,
  body?: unknown,
  silentMs = ABANDONED_CALL_MS,
): Promise<T> {
  return JSON.parse(await readAll(await call(kc, method, path, body, silentMs))) as T;
}

/**
 * A call whose answer is only its status (a write whose returned object nobody reads): a 2xx
 * answer's body is drained unparsed, an error's is read for its message as requestJson does.
 */
export async function requestStatus(
  kc: KubeConfig,
  method: string,
  path: string,
  body?: unknown,
  silentMs = ABANDONED_CALL_MS,
): Promise<void> {
  await drain(await call(kc, method, path, body, silentMs));
}

/**
 * A GET whose answer is read as it streams (a watch): resolves with the response once its headers
 * are in (a status other than 2xx is an ApiHttpError, its body read), or rejects on a network error.
 * `signal` aborts the request and ends the stream.
 */
export async function openStream(
  kc: KubeConfig,
  path: string,
  signal: AbortSignal,
): Promise<IncomingMessage> {
  return succeeded(await send(kc, 'GET', path, undefined, signal));
}

/** Sends `body` as JSON; the answer once its headers are in, if its status is 2xx. */
async function call(
  kc: KubeConfig,
  method: string,
  path: string,
  body: unknown,
  silentMs: number,
): Promise<IncomingMessage> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return succeeded(await send(kc, method, path, payload, undefined, silentMs));
}

/** The answer, or an ApiHttpError with its body when its status is not 2xx. */
async function succeeded(res: IncomingMessage): Promise<IncomingMessage> {
  const code = res.statusCode ?? 0;
  if (code < 200 || code > 299)
    throw new ApiHttpError(code, await readAll(res), res.headers as Record<string, string>);
  return res;
}

async function send(
  kc: KubeConfig,
  method: string,
  path: string,
  payload: string | undefined,
  signal?: AbortSignal,
  silentMs?: number,
): Promise<IncomingMessage> {
  const server = kc.getCurrentCluster()?.server ?? '';
  const opts: RequestOptions = { method, headers: {} };
  await kc.applyToHTTPSOptions(opts);
  const agent = opts.agent as (HttpAgent & { keepAlive?: boolean }) | undefined;
  if (agent && !agent.keepAlive) agent.keepAlive = true;
  const url = new URL(path, server);
  const request = url.protocol === 'http:' ? httpRequest : httpsRequest;
  return new Promise((resolve, reject) => {
    const req = request(url, {
      ...opts,
      ...(signal ? { signal } : {}),
      headers: {
        ...opts.headers,
        Accept: 'application/json',
        ...(payload === undefined
          ? {}
          : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) }),
      },
    });
    let answer: IncomingMessage | undefined;
    if (silentMs)
      req.setTimeout(silentMs, () => {
        const silent = new Error(`${method} ${url.pathname}: the socket was silent for ${silentMs / 1000}s`);
        // After the headers, the answer is what its reader waits on: it gets the reason.
        if (answer) answer.destroy(silent);
        else req.destroy(silent);
      });
    req.on('response', (res) => {
      answer = res;
      resolve(res);
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** Reads an answer to its end without keeping it (the socket goes back to the agent's pool). */
function drain(res: IncomingMessage): Promise<void> {
  return new Promise((resolve, reject) => {
    res.on('error', reject);
    res.on('end', resolve);
    res.on('close', () => {
      if (!res.complete) reject(new Error('the answer was cut short'));
    });
    res.resume();
  });
}

function readAll(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('error', reject);
    res.on('end', () => resolve(Buffer.concat(chunks).toString()));
    // A request destroyed mid-answer (silent socket) closes its response without 'end'.
    res.on('close', () => {
      if (!res.complete) reject(new Error('the answer was cut short'));
    });
  });
}
