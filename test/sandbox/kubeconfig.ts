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
): string {
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      { name: 'sandbox', cluster: { server: creds.server, 'certificate-authority-data': b64(creds.ca) } },
    ],
    users: [
      { name: user, user: { 'client-certificate-data': b64(creds.cert), 'client-key-data': b64(creds.key) } },
    ],
    contexts: [{ name: context, context: { cluster: 'sandbox', user } }],
    'current-context': context,
  };
  writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`);
  chmodSync(file, 0o600);
  return file;
}
