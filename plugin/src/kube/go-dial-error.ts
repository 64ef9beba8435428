/**
 * A failed TLS connection in the words a Go client (metrics-server, through net/http) logs for the
 * same failure, so that what inspect-kubelet prints can be matched with metrics-server's log.
 * Node reports OpenSSL's reason with a source path ("...:wrong version number:../deps/openssl/..."),
 * Go one sentence ("tls: first record does not look like a TLS handshake").
 */
export function goDialError(
  e: NodeJS.ErrnoException & { reason?: string; address?: string },
  host: string,
  port: number,
): string {
  const remote = joinHostPort(e.address ?? host, port);
  const errno = e.code ? ERRNO[e.code] : undefined;
  if (errno && e.syscall === 'connect' && e.code !== 'ECONNRESET')
    return `dial tcp ${remote}: connect: ${errno}`;
  if (e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN') return `dial tcp: lookup ${host}: no such host`;
  // Node's words when the server closed the connection before the handshake ended: Go reads EOF.
  if (e.code === 'ECONNRESET' && e.syscall === undefined) return 'EOF';
  if (errno) return `read tcp ${remote}: read: ${errno}`;
  const alert = /SSL alert number (\d+)/.exec(e.message)?.[1];
  if (alert !== undefined) return `remote error: tls: ${ALERTS[Number(alert)] ?? `alert(${alert})`}`;
  // OpenSSL refuses a first record whose header is not TLS; Go's readRecord says so in one sentence.
  if (e.code && NOT_TLS.has(e.code)) return 'tls: first record does not look like a TLS handshake';
  const firstLine = e.message.split('\n')[0] ?? '';
  return e.reason ? `tls: ${e.reason}` : firstLine;
}

/** net.JoinHostPort: IPv6 addresses in brackets. */
function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Go's syscall.Errno texts (Linux). */
const ERRNO: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by peer',
  EHOSTUNREACH: 'no route to host',
  ENETUNREACH: 'network is unreachable',
  ETIMEDOUT: 'connection timed out',
  EADDRNOTAVAIL: 'cannot assign requested address',
  EPIPE: 'broken pipe',
};

const NOT_TLS = new Set([
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'ERR_SSL_PACKET_LENGTH_TOO_LONG',
  'ERR_SSL_HTTP_REQUEST',
  'ERR_SSL_UNKNOWN_PROTOCOL',
  'ERR_SSL_RECORD_LENGTH_MISMATCH',
]);

/** crypto/tls alertText: the alert a server sent, as Go names it. */
const ALERTS: Record<number, string> = {
  0: 'close notify',
  10: 'unexpected message',
  20: 'bad record MAC',
  21: 'decryption failed',
  22: 'record overflow',
  30: 'decompression failure',
  40: 'handshake failure',
  42: 'bad certificate',
  43: 'unsupported certificate',
  44: 'revoked certificate',
  45: 'expired certificate',
  46: 'unknown certificate',
  47: 'illegal parameter',
  48: 'unknown certificate authority',
  49: 'access denied',
  50: 'error decoding message',
  51: 'error decrypting message',
  60: 'export restriction',
  70: 'protocol version not supported',
  71: 'insufficient security level',
  80: 'internal error',
  86: 'inappropriate fallback',
  90: 'user canceled',
  100: 'no renegotiation',
  109: 'missing extension',
  110: 'unsupported extension',
  111: 'certificate unobtainable',
  112: 'unrecognized name',
  113: 'bad certificate status response',
  114: 'bad certificate hash value',
  115: 'unknown PSK identity',
  116: 'certificate required',
  120: 'no application protocol',
};
