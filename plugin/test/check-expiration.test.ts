import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toPem } from '@kubectl-certs/core';
import { afterAll, describe, expect, it } from 'vitest';
import { der, generateCa, generateLeaf } from '../../packages/core/test/support/generated.ts';
import { OpenSsl } from '../../packages/core/test/support/openssl.ts';

// A control-plane node's /etc/kubernetes, in kubeadm's layout, made with openssl.
const ssl = new OpenSsl();
afterAll(() => ssl.dispose());
const root = join(ssl.dir, 'etc-kubernetes');
const pki = join(root, 'pki');
mkdirSync(join(pki, 'etcd'), { recursive: true });

function write(file: string, text: string) {
  writeFileSync(join(root, file), text);
}
const ca = ssl.selfSigned('/CN=kubernetes', { days: 3650 });
const etcdCa = ssl.selfSigned('/CN=etcd-ca', { days: 3650 });
const proxyCa = ssl.selfSigned('/CN=front-proxy-ca', { days: 3650 });
write('pki/ca.crt', ca.cert);
write('pki/ca.key', ca.key);
write('pki/etcd/ca.crt', etcdCa.cert);
write('pki/etcd/ca.key', etcdCa.key);
write('pki/front-proxy-ca.crt', proxyCa.cert); // no key: an external CA
const leaf = (cn: string, issuer: typeof ca, days = 365) =>
  ssl.sign(ssl.csr([`CN = ${cn}`]).csr, issuer, ['basicConstraints=CA:FALSE'], days);
write('pki/apiserver.crt', leaf('kube-apiserver', ca));
write('pki/apiserver-kubelet-client.crt', leaf('kube-apiserver-kubelet-client', ca, 10));
write('pki/front-proxy-client.crt', leaf('front-proxy-client', proxyCa));
write('pki/etcd/server.crt', leaf('etcd-server', etcdCa));
write('pki/etcd/peer.crt', leaf('etcd-peer', etcdCa));
write('pki/etcd/healthcheck-client.crt', leaf('kube-etcd-healthcheck-client', etcdCa));
// apiserver-etcd-client.crt is missing on purpose
const kubeconfig = (user: string, cert: string) =>
  `apiVersion: v1\nkind: Config\nclusters: [{name: k, cluster: {server: https://10.0.0.1:6443}}]\ncontexts: [{name: ${user}@k, context: {cluster: k, user: ${user}}}]\ncurrent-context: ${user}@k\nusers:\n- name: other\n  user: {}\n- name: ${user}\n  user:\n    client-certificate-data: ${Buffer.from(cert).toString('base64')}\n`;
write('admin.conf', kubeconfig('kubernetes-admin', leaf('kubernetes-admin', ca)));
write(
  'controller-manager.conf',
  kubeconfig('system:kube-controller-manager', leaf('system:kube-controller-manager', ca)),
);
write('scheduler.conf', kubeconfig('system:kube-scheduler', leaf('system:kube-scheduler', ca)));
// super-admin.conf is missing (a cluster made before kubeadm 1.29)

/** Rows of a kubeadm table, cut at the columns of its header line (so the widths are checked too). */
function table(text: string): string[][] {
  const [header, ...rows] = text.split('\n') as [string, ...string[]];
  const starts = [0, ...[...header.matchAll(/ {3}(?=\S)/g)].map((m) => (m.index ?? 0) + 3)];
  return rows.map((row) => starts.map((at, i) => row.slice(at, starts[i + 1]).trim()));
}

const BIN = new URL('../bin/kubectl-certs.js', import.meta.url).pathname;
function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, 'check-expiration', ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: ssl.dir },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('check-expiration --cert-dir: the kubeadm report of a local PKI folder', () => {
  it("prints both tables in kubeadm's layout: CA names, externally managed CAs, missing files", () => {
    const r = cli('--cert-dir', pki);
    expect(r.code).toBe(0);
    const [certs, cas] = r.stdout.trimEnd().split('\n\n') as [string, string];
    expect(certs.split('\n')[0]).toMatch(
      /^CERTIFICATE {3,}EXPIRES {18}RESIDUAL TIME {3}CERTIFICATE AUTHORITY {3}EXTERNALLY MANAGED$/,
    );
    expect(cas.split('\n')[0]).toMatch(
      /^CERTIFICATE AUTHORITY {3}EXPIRES {18}RESIDUAL TIME {3}EXTERNALLY MANAGED$/,
    );
    const rows = table(certs);
    expect(rows.map((c) => c[0])).toEqual([
      'admin.conf',
      'apiserver',
      '!MISSING! apiserver-etcd-client',
      'apiserver-kubelet-client',
      'controller-manager.conf',
      'etcd-healthcheck-client',
      'etcd-peer',
      'etcd-server',
      'front-proxy-client',
      'scheduler.conf',
      '!MISSING! super-admin.conf',
    ]);
    const byName = new Map(rows.map((c) => [c[0], c.slice(1)]));
    expect(byName.get('apiserver')).toEqual([
      expect.stringMatching(/^[A-Z][a-z]{2} \d\d, \d{4} \d\d:\d\d UTC$/),
      '364d',
      'ca',
      'no',
    ]);
    expect(byName.get('apiserver-kubelet-client')?.slice(1)).toEqual(['9d', 'ca', 'no']);
    expect(byName.get('front-proxy-client')?.slice(1)).toEqual(['364d', 'front-proxy-ca', 'yes']);
    expect(byName.get('admin.conf')?.slice(1)).toEqual(['364d', 'ca', 'no']);
    expect(byName.get('!MISSING! super-admin.conf')).toEqual(['', '', '', '']);
    expect(table(cas).map((c) => [c[0], c[2], c[3]])).toEqual([
      ['ca', '9y', 'no'],
      ['etcd-ca', '9y', 'no'],
      ['front-proxy-ca', '9y', 'yes'],
    ]);
  });

  it.each([
    ['30d', 3],
    ['5d', 0],
  ])('--warn-within %s exits %i (a certificate expires in 9 days)', (within, code) => {
    expect(cli('--cert-dir', pki, '--warn-within', within).code).toBe(code);
  });

  it("gives kubeadm's CertificateExpirationInfo with -o json", () => {
    const r = cli('--cert-dir', pki, '-o', 'json');
    const info = JSON.parse(r.stdout) as {
      kind: string;
      apiVersion: string;
      certificates: Record<string, unknown>[];
      certificateAuthorities: Record<string, unknown>[];
    };
    expect(info).toMatchObject({
      kind: 'CertificateExpirationInfo',
      apiVersion: 'output.kubeadm.k8s.io/v1alpha3',
    });
    expect(info.certificates.find((c) => c.name === 'apiserver-etcd-client')).toMatchObject({
      missing: true,
      caName: 'etcd-ca',
    });
    const api = info.certificates.find((c) => c.name === 'apiserver') as {
      residualTime: number;
      expirationDate: string;
      externallyManaged: boolean;
    };
    expect(api.residualTime).toBeGreaterThan(364 * 86400);
    expect(api.residualTime).toBeLessThanOrEqual(365 * 86400);
    expect(api.expirationDate).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(info.certificateAuthorities.map((c) => [c.name, c.externallyManaged])).toEqual([
      ['ca', false],
      ['etcd-ca', false],
      ['front-proxy-ca', true],
    ]);
  });

  it('exits 4 and shows <invalid> when a certificate has expired', async () => {
    const oldCa = await generateCa(
      'CN=etcd-ca',
      new Date('2020-01-01T00:00:00Z'),
      new Date('2040-01-01T00:00:00Z'),
    );
    const expired = await generateLeaf(
      'CN=etcd-peer',
      oldCa,
      new Date('2021-01-01T00:00:00Z'),
      new Date('2022-01-01T00:00:00Z'),
    );
    const file = join(pki, 'etcd/peer.crt');
    writeFileSync(file, toPem(der(expired), 'CERTIFICATE'));
    const r = cli('--cert-dir', pki);
    write('pki/etcd/peer.crt', leaf('etcd-peer', etcdCa));
    expect(r.code).toBe(4);
    expect(table(r.stdout.split('\n\n')[0] ?? '').find((c) => c[0] === 'etcd-peer')).toEqual([
      'etcd-peer',
      'Jan 01, 2022 00:00 UTC',
      '<invalid>',
      'etcd-ca',
      'no',
    ]);
  });

  it('leaves out etcd when the cluster uses an external etcd (no etcd/ folder)', () => {
    const ext = join(ssl.dir, 'external-etcd', 'pki');
    mkdirSync(ext, { recursive: true });
    writeFileSync(join(ext, 'ca.crt'), ca.cert);
    const r = cli('--cert-dir', ext);
    expect(r.stdout).not.toContain('etcd');
    expect(r.stdout).toContain('!MISSING! apiserver');
    rmSync(join(ssl.dir, 'external-etcd'), { recursive: true });
  });

  it('a --cert-dir that does not exist is one line', () => {
    expect(cli('--cert-dir', join(ssl.dir, 'nope'))).toMatchObject({
      code: 1,
      stderr: `error: --cert-dir ${join(ssl.dir, 'nope')} does not exist\n`,
    });
  });
});
