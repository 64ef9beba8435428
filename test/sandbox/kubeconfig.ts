import { chmodSync, writeFileSync } from 'node:fs';
import type { Credentials } from './api.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');

/**
 * Writes a kubeconfig with embedded certificates. JSON is valid YAML, so kubectl and client
 * libraries read it as they read any kubeconfig.
 */
export function writeKubeconfig(
  file: string,
  creds: Credentials,
  user: string,
  context = `${user}@sandbox`,
  /** The name to verify the server's certificate for, when `server` is an address it does not name. */
  tlsServerName?: string,
): string {
  const auth = { 'client-certificate-data': b64(creds.cert), 'client-key-data': b64(creds.key) };
  return writeConfig(file, creds, user, auth, context, tlsServerName);
}

/** A kubeconfig whose user is a bearer token (a service account's, from a TokenRequest). */
export function writeTokenKubeconfig(
  file: string,
  cluster: Pick<Credentials, 'server' | 'ca'>,
  user: string,
  token: string,
): string {
  return writeConfig(file, cluster, user, { token }, `${user}@sandbox`);
}

function writeConfig(
  file: string,
  cluster: Pick<Credentials, 'server' | 'ca'>,
  user: string,
  auth: Record<string, string>,
  context: string,
  tlsServerName?: string,
): string {
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'sandbox',
        cluster: {
          server: cluster.server,
          'certificate-authority-data': b64(cluster.ca),
          ...(tlsServerName ? { 'tls-server-name': tlsServerName } : {}),
        },
      },
    ],
    users: [{ name: user, user: auth }],
    contexts: [{ name: context, context: { cluster: 'sandbox', user } }],
    'current-context': context,
  };
  writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`);
  chmodSync(file, 0o600);
  return file;
}
