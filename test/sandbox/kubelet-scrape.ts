import { request } from 'node:http';
import { isIP } from 'node:net';
import { connect, type TLSSocket } from 'node:tls';
import { hostnameError, leafError, parseCertificate } from '@kubectl-certs/core';

/** metrics-server's kubelet client flags (cmd/metrics-server/app/options/kubelet_client.go), as its args set them. */
export interface KubeletClientFlags {
  insecureTls: boolean;
  caFile?: string;
  caText?: string;
  port: number;
  useNodeStatusPort: boolean;
  preferredAddressTypes: string[];
}

const DEFAULT_ADDRESS_TYPES = ['Hostname', 'InternalDNS', 'InternalIP', 'ExternalDNS', 'ExternalIP'];

/**
 * The flags as metrics-server's pflag reads them (`--flag=value`, `--flag value`, a bare bool);
 * a string when metrics-server would refuse to start (its Validate, in its words).
 */
export function kubeletClientFlags(argv: string[]): KubeletClientFlags | string {
  const value = (flag: string): string | undefined => {
    let v: string | undefined;
    argv.forEach((a, i) => {
      if (a.startsWith(`--${flag}=`)) v = a.slice(flag.length + 3);
      else if (a === `--${flag}`) v = argv[i + 1] ?? '';
    });
    return v;
  };
  const bool = (flag: string) => {
    const set = argv.filter((a) => a === `--${flag}` || a.startsWith(`--${flag}=`)).pop();
    return set !== undefined && (set === `--${flag}` || /^(1|t|true)$/i.test(set.split('=')[1] ?? ''));
  };
  const f: KubeletClientFlags = {
    insecureTls: bool('kubelet-insecure-tls'),
    port: Number(value('kubelet-port') ?? 10250),
    useNodeStatusPort: bool('kubelet-use-node-status-port'),
    preferredAddressTypes: value('kubelet-preferred-address-types')?.split(',') ?? DEFAULT_ADDRESS_TYPES,
  };
  const caFile = value('kubelet-certificate-authority');
  const caText = value('kubelet-certificate-authority-text');
  if (caFile) f.caFile = caFile;
  if (caText) f.caText = caText;
  if (caFile && caText)
    return 'cannot use both --kubelet-certificate-authority and --kubelet-certificate-authority-text';
  if (caText && f.insecureTls)
    return 'cannot use both --kubelet-certificate-authority-text and --kubelet-insecure-tls';
  if (caFile && f.insecureTls)
    return 'cannot use both --kubelet-certificate-authority and --kubelet-insecure-tls';
  return f;
}

export interface NodeStatus {
  metadata: { name: string };
  status?: {
    addresses?: { type: string; address: string }[];
    daemonEndpoints?: { kubeletEndpoint?: { Port?: number } };
  };
}

/** Where metrics-server dials a node's kubelet: the first address of the preferred types, and the port it is told. */
export function kubeletTarget(
  node: NodeStatus,
  f: KubeletClientFlags,
): { host: string; port: number } | string {
  const addresses = node.status?.addresses ?? [];
  const host = f.preferredAddressTypes
    .map((t) => addresses.find((a) => a.type === t)?.address)
    .find((a) => a !== undefined);
  if (host === undefined)
    return `node ${node.metadata.name} had no addresses that matched types [${f.preferredAddressTypes.join(' ')}]`;
  const statusPort = node.status?.daemonEndpoints?.kubeletEndpoint?.Port ?? 0;
  return { host, port: f.useNodeStatusPort && statusPort !== 0 ? statusPort : f.port };
}

/** How metrics-server's client meets a kubelet: the TLS it verifies, and who it says it is. */
export interface KubeletClient {
  /** The CA the kubelet's serving certificate must chain to; undefined: --kubelet-insecure-tls. */
  ca?: string;
  /**
   * Its in-cluster identity: a token of its ServiceAccount, which the kubelet's webhook checks
   * with the API server (TokenReview, then a SubjectAccessReview for nodes/metrics).
   */
  token: string;
}

/** OpenSSL's verdicts that Go words as an unknown authority. */
const UNKNOWN_AUTHORITY = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
]);

/**
 * Why a Go client (crypto/tls with RootCAs = `ca` and ServerName = the dialled host) refuses the
 * kubelet, in Go's order: the leaf's validity, the name, then the chain. OpenSSL decides (the
 * handshake's own verification, X509Certificate.checkIP/checkHost without the CN); core gives the
 * words only, so that they match what metrics-server logs.
 */
function goRefusal(socket: TLSSocket, host: string): string | undefined {
  const peer = socket.getPeerX509Certificate();
  if (!peer) return 'tls: server did not send any certificate';
  const info = parseCertificate(peer.toString());
  const now = new Date();
  if (now < new Date(peer.validFrom) || now > new Date(peer.validTo))
    return leafError(info, now)?.message ?? 'x509: certificate has expired or is not yet valid';
  const matches = isIP(host)
    ? peer.checkIP(host) !== undefined
    : peer.checkHost(host, { subject: 'never', partialWildcards: false }) !== undefined;
  if (!matches) return hostnameError(info, host) ?? `x509: certificate is not valid for ${host}`;
  if (socket.authorized) return undefined;
  const code = String(socket.authorizationError);
  if (UNKNOWN_AUTHORITY.has(code)) return 'x509: certificate signed by unknown authority';
  if (code === 'INVALID_PURPOSE') return 'x509: certificate specifies an incompatible key usage';
  return `x509: ${code} (OpenSSL's verdict)`;
}

/** Go's words for a failed dial. */
function dialError(e: NodeJS.ErrnoException, host: string, port: number): string {
  if (e.code === 'ECONNREFUSED') return `dial tcp ${host}:${port}: connect: connection refused`;
  if (e.code === 'ENOTFOUND') return `dial tcp: lookup ${host}: no such host`;
  return e.message;
}

/** A TLS connection to the kubelet that metrics-server would go on with, or its reason not to. */
function dial(target: { host: string; port: number }, tls: KubeletClient): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: target.host,
      port: target.port,
      ...(isIP(target.host) ? {} : { servername: target.host }),
      ...(tls.ca ? { ca: tls.ca } : {}),
      // Decided below, in Go's order, before a byte of the request is sent.
      rejectUnauthorized: false,
      timeout: 10_000,
    });
    socket.once('secureConnect', () => {
      const refusal = tls.ca === undefined ? undefined : goRefusal(socket, target.host);
      if (refusal) {
        socket.destroy();
        reject(new Error(refusal));
      } else resolve(socket);
    });
    socket.once('timeout', () => socket.destroy(new Error('context deadline exceeded')));
    socket.once('error', (e: NodeJS.ErrnoException) =>
      reject(new Error(dialError(e, target.host, target.port))),
    );
  });
}

/** GET `path` from the kubelet at `target` as metrics-server would: the body, or metrics-server's reason. */
export async function kubeletGet(
  target: { host: string; port: number },
  client: KubeletClient,
  path: string,
): Promise<string> {
  const socket = await dial(target, client);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: target.host,
        port: target.port,
        path,
        createConnection: () => socket,
        headers: { Authorization: `Bearer ${client.token}` },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          socket.destroy();
          // metrics-server's words: the status only; the kubelet's reason (its body) is in the kubelet's log.
          if (res.statusCode !== 200)
            reject(new Error(`request failed, status: "${res.statusCode} ${res.statusMessage}"`));
          else resolve(Buffer.concat(chunks).toString());
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}
