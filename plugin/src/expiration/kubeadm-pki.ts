import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { PkiEntry } from '@kubectl-certs/core';
import { parse } from 'yaml';

/** kubeadm's certificates under --cert-dir, with the CA that signs each. */
const LEAVES: [name: string, file: string, ca: string][] = [
  ['apiserver', 'apiserver.crt', 'ca'],
  ['apiserver-kubelet-client', 'apiserver-kubelet-client.crt', 'ca'],
  ['front-proxy-client', 'front-proxy-client.crt', 'front-proxy-ca'],
];
const ETCD_LEAVES: [string, string, string][] = [
  ['apiserver-etcd-client', 'apiserver-etcd-client.crt', 'etcd-ca'],
  ['etcd-server', 'etcd/server.crt', 'etcd-ca'],
  ['etcd-peer', 'etcd/peer.crt', 'etcd-ca'],
  ['etcd-healthcheck-client', 'etcd/healthcheck-client.crt', 'etcd-ca'],
];
const KUBECONFIGS = ['admin.conf', 'super-admin.conf', 'controller-manager.conf', 'scheduler.conf'];
const CAS: [name: string, base: string][] = [
  ['ca', 'ca'],
  ['etcd-ca', 'etcd/ca'],
  ['front-proxy-ca', 'front-proxy-ca'],
];

const read = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8') : undefined);

/**
 * Reads what kubeadm's check-expiration reads: the PKI folder and the kubeconfig files beside it.
 * Without an etcd/ folder the cluster uses an external etcd, and its certificates are not listed.
 */
export function readKubeadmPki(
  certDir: string,
  kubeconfigDir = dirname(certDir),
): { leaves: PkiEntry[]; cas: PkiEntry[] } {
  const localEtcd = existsSync(join(certDir, 'etcd'));
  const leaves: PkiEntry[] = [...LEAVES, ...(localEtcd ? ETCD_LEAVES : [])].map(([name, file, caName]) => ({
    name,
    caName,
    pem: read(join(certDir, file)),
  }));
  for (const conf of KUBECONFIGS)
    leaves.push({ name: conf, caName: 'ca', pem: kubeconfigClientCert(join(kubeconfigDir, conf)) });
  const cas = CAS.filter(([name]) => localEtcd || name !== 'etcd-ca').map(([name, base]) => ({
    name,
    caName: '',
    pem: read(join(certDir, `${base}.crt`)),
    keyPresent: existsSync(join(certDir, `${base}.key`)),
  }));
  return { leaves, cas };
}

/** The client certificate of the current context's user, embedded or referenced by path. */
function kubeconfigClientCert(file: string): string | undefined {
  const text = read(file);
  if (text === undefined) return undefined;
  try {
    const cfg = parse(text) as {
      'current-context'?: string;
      contexts?: { name: string; context?: { user?: string } }[];
      users?: {
        name: string;
        user?: { 'client-certificate-data'?: string; 'client-certificate'?: string };
      }[];
    };
    const userName = cfg.contexts?.find((c) => c.name === cfg['current-context'])?.context?.user;
    const user = (cfg.users?.find((u) => u.name === userName) ?? cfg.users?.[0])?.user;
    if (user?.['client-certificate-data'])
      return Buffer.from(user['client-certificate-data'], 'base64').toString('utf8');
    if (user?.['client-certificate']) return read(join(dirname(file), user['client-certificate'])) ?? '';
    return '';
  } catch {
    return ''; // present but unreadable: reported as such, not as missing
  }
}
