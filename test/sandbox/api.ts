import { request } from 'node:https';

/** Who talks to the API server: its URL, the CA to trust, and a client certificate. */
export interface Credentials {
  server: string;
  ca: string;
  cert: string;
  key: string;
}

export interface ApiResponse<T = unknown> {
  status: number;
  body: T;
}

/**
 * One HTTPS call to the API server with a client certificate. The harness uses this instead of
 * a client library so that it can act as any identity (a node, a plain user) with no kubeconfig.
 */
export function apiRequest<T = unknown>(
  creds: Credentials,
  method: string,
  path: string,
  body?: unknown,
  contentType = 'application/json',
): Promise<ApiResponse<T>> {
  const url = new URL(path, creds.server);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        ca: creds.ca,
        cert: creds.cert,
        key: creds.key,
        timeout: 15_000,
        headers: { Accept: 'application/json', ...(payload ? { 'Content-Type': contentType } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            // plain-text endpoints such as /readyz
          }
          resolve({ status: res.statusCode ?? 0, body: parsed as T });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timed out`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** Like apiRequest, but a non-2xx status is an error naming the call and the server's message. */
export async function apiCall<T = unknown>(
  creds: Credentials,
  method: string,
  path: string,
  body?: unknown,
  contentType?: string,
): Promise<T> {
  const res = await apiRequest<T>(creds, method, path, body, contentType);
  if (res.status < 200 || res.status > 299) {
    const msg = (res.body as { message?: string } | undefined)?.message ?? JSON.stringify(res.body);
    throw new Error(`${method} ${path}: HTTP ${res.status}: ${msg}`);
  }
  return res.body;
}
