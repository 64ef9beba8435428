import type { X509Certificate } from 'node:crypto';
import { connect, createSecureContext, type SecureContext } from 'node:tls';
import { type CertificateInfo, parseCertificate } from '@kubectl-certs/core';
import { goDialError } from './go-dial-error.ts';

export type Probe = { ok: true; chain: CertificateInfo[] } | { ok: false; error: string };

/**
 * Reads the certificate chain a TLS server (a kubelet, the API server) serves, without trusting it (judging it is core's job).
 * Never throws: a refused connection, a timeout or a TLS failure is the result, worded as Go's
 * net/http words it (what metrics-server logs).
 * The chain is what the server sent, in its order (Go's client verifies exactly that: the leaf,
 * the rest as intermediates); plugin/test/go-dial-oracle.test.ts holds it for stale, renewed and
 * wrong intermediates. The walk stops at a repeated certificate, which Go's pool ignores too.
 */
// Nothing is verified here, so one empty context serves every connection (tls.connect would
// otherwise build a context, with the default root store, per connection).
let sharedContext: SecureContext | undefined;
function context(): SecureContext {
  sharedContext ??= createSecureContext({});
  return sharedContext;
}

export function readServedChain(host: string, port: number, timeoutMs: number): Promise<Probe> {
  return new Promise((resolve) => {
    const isIp = /^[\d.]+$/.test(host) || host.includes(':');
    const socket = connect(
      {
        host,
        port,
        rejectUnauthorized: false,
        secureContext: context(),
        ...(isIp ? {} : { servername: host }),
        timeout: timeoutMs,
      },
      () => {
        // getPeerX509Certificate() is lazy; getPeerCertificate(true) decodes every field of every
        // certificate into objects we would not read (a third of a 1,000-kubelet scan).
        const chain: CertificateInfo[] = [];
        const seen: Buffer[] = [];
        for (
          let c: X509Certificate | undefined = socket.getPeerX509Certificate();
          c && !seen.some((s) => s.equals(c?.raw as Buffer));
          c = c.issuerCertificate
        ) {
          seen.push(c.raw);
          try {
            chain.push(parseCertificate(new Uint8Array(c.raw)));
          } catch (e) {
            socket.destroy();
            resolve({
              ok: false,
              error: `the server presented a certificate that cannot be read: ${(e as Error).message}`,
            });
            return;
          }
        }
        socket.end();
        resolve(
          chain.length
            ? { ok: true, chain }
            : { ok: false, error: 'the kubelet server presented no certificate' },
        );
      },
    );
    socket.once('timeout', () => {
      socket.destroy();
      resolve({ ok: false, error: `no TLS answer within ${timeoutMs / 1000}s` });
    });
    socket.once('error', (e: NodeJS.ErrnoException) =>
      resolve({ ok: false, error: goDialError(e, host, port) }),
    );
  });
}
