import type { Agent as HttpAgent } from 'node:http';
import { type RequestOptions, request } from 'node:https';
import type { KubeConfig, V1CertificateSigningRequest } from '@kubernetes/client-node';

const CSRS = '/apis/certificates.k8s.io/v1/certificatesigningrequests';

/** What the callers read of a failed call, as client-node's ApiException has it. */
export class ApprovalHttpError extends Error {
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
 * PUT .../certificatesigningrequests/NAME/approval over node:https, with the credentials, proxy
 * and agent client-node's KubeConfig gives (applyToHTTPSOptions: certificates, tokens, exec
 * plugins). client-node's generated client spent several milliseconds of CPU per call here
 * (serialising the object by its type map, a fresh undici dispatcher per request, deserialising
 * the answer): on a backlog of 5,000 the process's one thread, not the API server, was the limit.
 * The agent keeps its connections alive (client-node's is made without keepAlive).
 */
export async function putApproval(
  kc: KubeConfig,
  name: string,
  body: V1CertificateSigningRequest,
): Promise<V1CertificateSigningRequest> {
  const server = kc.getCurrentCluster()?.server ?? '';
  const opts: RequestOptions = { method: 'PUT', headers: {} };
  await kc.applyToHTTPSOptions(opts);
  const agent = opts.agent as (HttpAgent & { keepAlive?: boolean }) | undefined;
  if (agent && !agent.keepAlive) agent.keepAlive = true;
  const payload = JSON.stringify(body);
  const url = new URL(`${CSRS}/${encodeURIComponent(name)}/approval`, server);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        ...opts,
        headers: {
          ...opts.headers,
          Accept: 'application/json',
          'Content-Type': 'application/json',
          'Content-Length': Buffer.byteLength(payload),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          const code = res.statusCode ?? 0;
          if (code < 200 || code > 299)
            return reject(new ApprovalHttpError(code, text, res.headers as Record<string, string>));
          try {
            resolve(JSON.parse(text) as V1CertificateSigningRequest);
          } catch (e) {
            reject(e);
          }
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}
