import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { toPem } from '@kubectl-certs/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { der, generateCa, generateLeaf } from '../../packages/core/test/support/generated.ts';
import { OpenSsl } from '../../packages/core/test/support/openssl.ts';
import { Cluster } from '../sandbox/cluster.ts';
import { type FakeKubelet, startFakeKubelet } from '../sandbox/fake-kubelet.ts';
import { addNode } from '../sandbox/node-identity.ts';
import { fileServingCsr, waitForIssued } from '../sandbox/serving-csr.ts';
import { runCli } from './cli.ts';

// Exit codes depend on every certificate in the cluster: this file uses a cluster of its own.
let cluster: Cluster;
const kubelets: FakeKubelet[] = [];
const ssl = new OpenSsl();
const kubectl = (input: string | undefined, ...args: string[]) =>
  execFileSync('kubectl', ['--kubeconfig', cluster.adminKubeconfig, ...args], {
    input,
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'pipe'],
  });
const b64 = (s: string) => Buffer.from(s).toString('base64');

beforeAll(async () => {
  cluster = await Cluster.start();
  const work = join(cluster.dir, 'kubelets');
  const selfSigned = await startFakeKubelet({ node: 'self', bind: '127.0.5.1', workDir: work });
  kubelets.push(selfSigned);
  await addNode(cluster, 'self', { ip: '127.0.5.1', kubeletPort: selfSigned.port });
  const honest = await addNode(cluster, 'honest', { ip: '127.0.5.2' });
  const csr = await fileServingCsr(cluster, honest);
  kubectl(undefined, 'certificate', 'approve', csr.name);
  const issued = await startFakeKubelet({
    node: 'honest',
    bind: '127.0.5.2',
    workDir: work,
    serving: { cert: await waitForIssued(cluster, csr.name), key: csr.keyPem },
  });
  kubelets.push(issued);
  const { setNodeStatus } = await import('../sandbox/node-identity.ts');
  await setNodeStatus(honest, issued.port);
  await addNode(cluster, 'down', { ip: '127.0.5.3', kubeletPort: 1 });
  // a kubelet whose certificate, signed by the cluster CA, expires in 10 days
  const soonReq = ssl.csr(['O = system:nodes', 'CN = system:node:soon'], ['DNS:soon', 'IP:127.0.5.4']);
  const soonCert = ssl.sign(
    soonReq.csr,
    { cert: cluster.ca.cert, key: cluster.ca.key },
    ['subjectAltName=DNS:soon,IP:127.0.5.4'],
    10,
  );
  const soon = await startFakeKubelet({
    node: 'soon',
    bind: '127.0.5.4',
    workDir: work,
    serving: { cert: soonCert, key: soonReq.key },
  });
  kubelets.push(soon);
  await addNode(cluster, 'soon', { ip: '127.0.5.4', kubeletPort: soon.port });
  // metrics-server's APIService with a caBundle that expires in 20 days
  const ca = ssl.selfSigned('/CN=metrics-server-ca', { days: 20 });
  kubectl(
    JSON.stringify({
      apiVersion: 'apiregistration.k8s.io/v1',
      kind: 'APIService',
      metadata: { name: 'v1beta1.metrics.k8s.io' },
      spec: {
        group: 'metrics.k8s.io',
        version: 'v1beta1',
        groupPriorityMinimum: 100,
        versionPriority: 100,
        service: { namespace: 'kube-system', name: 'metrics-server' },
        caBundle: b64(ca.cert),
      },
    }),
    'create',
    '-f',
    '-',
  );
});
afterAll(async () => {
  await Promise.all(kubelets.map((k) => k.stop()));
  await cluster?.stop();
  ssl.dispose();
});

interface Row {
  what: string;
  where: string;
  subject: string;
  issuerKind?: string;
  residualSeconds?: number;
  error?: string;
}

async function scan(...args: string[]) {
  const r = await runCli(['check-expiration', '-o', 'json', ...args], {
    KUBECONFIG: cluster.adminKubeconfig,
  });
  return {
    code: r.code,
    stderr: r.stderr,
    rows: r.stdout ? (JSON.parse(r.stdout) as { items: Row[] }).items : [],
  };
}

describe('check-expiration across the cluster', () => {
  it('finds kubelets, the API server, the cluster CA, APIService caBundles and issued CSRs, soonest first', async () => {
    const { code, rows } = await scan();
    expect(code).toBe(0);
    const find = (what: string, where: string) =>
      rows.find((r) => r.what === what && r.where.startsWith(where));
    expect(find('kubelet serving', 'Node self')).toMatchObject({
      issuerKind: 'self-signed',
      subject: expect.stringMatching(/^CN=self@\d+$/),
    });
    expect(find('kubelet serving', 'Node honest')).toMatchObject({
      issuerKind: 'cluster CA',
      subject: 'O=system:nodes, CN=system:node:honest',
    });
    expect(find('kubelet serving', 'Node down')).toMatchObject({
      error: 'dial tcp 127.0.5.3:1: connect: connection refused',
    });
    expect(find('API server serving', '127.0.0.1:')).toMatchObject({
      issuerKind: 'cluster CA',
      subject: 'CN=kube-apiserver',
    });
    expect(find('cluster CA', 'ConfigMap kube-system/kube-root-ca.crt')).toMatchObject({
      issuerKind: 'self-signed',
    });
    expect(find('APIService caBundle', 'v1beta1.metrics.k8s.io')).toMatchObject({
      issuerKind: 'self-signed',
      subject: 'CN=metrics-server-ca',
    });
    expect(find('kubelet serving (CSR)', 'CSR ')).toMatchObject({ issuerKind: 'cluster CA' });
    expect(rows.slice(0, 2).map((r) => [r.what, r.where.split(' (')[0]])).toEqual([
      ['kubelet serving', 'Node soon'], // 10 days
      ['APIService caBundle', 'v1beta1.metrics.k8s.io'], // 20 days
    ]);
    expect(rows.at(-1)?.error).toBeDefined(); // unreadable last
  });

  it('prints one table with WHAT, WHERE, SUBJECT, ISSUER, EXPIRES, RESIDUAL', async () => {
    const r = await runCli(['check-expiration'], { KUBECONFIG: cluster.adminKubeconfig });
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^WHAT\s+WHERE\s+SUBJECT\s+ISSUER\s+EXPIRES\s+RESIDUAL$/);
    expect(lines[1]).toMatch(
      /^kubelet serving\s+Node soon \(127\.0\.5\.4:\d+\)\s+O=system:nodes, CN=system:node:soon\s+cluster CA\s+\w{3} \d\d, \d{4} \d\d:\d\d UTC\s+(9|10)d$/,
    );
    expect(lines[2]).toMatch(
      /^APIService caBundle\s+v1beta1\.metrics\.k8s\.io\s+CN=metrics-server-ca\s+self-signed\s+\w{3} \d\d, \d{4} \d\d:\d\d UTC\s+(19|20)d$/,
    );
    expect(r.stdout).toMatch(
      /kubelet serving\s+Node down \(127\.0\.5\.3:1\)\s+error: dial tcp 127\.0\.5\.3:1: connect: connection refused\s+-\s+-\s+-/,
    );
  });

  it.each([
    ['30d', 3],
    ['15d', 3],
    ['5d', 0],
  ])(
    '--warn-within %s exits %i (a kubelet certificate expires in 10 days, a caBundle in 20)',
    async (within, code) => {
      expect((await scan('--warn-within', within)).code).toBe(code);
    },
  );

  it('with --secrets reads TLS Secrets too, and an expired one exits 4', async () => {
    const ca = await generateCa(
      'CN=old-ca',
      new Date('2020-01-01T00:00:00Z'),
      new Date('2040-01-01T00:00:00Z'),
    );
    const leaf = await generateLeaf(
      'CN=old.example',
      ca,
      new Date('2021-01-01T00:00:00Z'),
      new Date('2022-01-01T00:00:00Z'),
    );
    kubectl(
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Secret',
        type: 'kubernetes.io/tls',
        metadata: { name: 'old-tls', namespace: 'default' },
        data: { 'tls.crt': b64(toPem(der(leaf), 'CERTIFICATE')), 'tls.key': b64('unused') },
      }),
      'create',
      '-f',
      '-',
    );
    expect((await scan()).code).toBe(0); // Secrets are only read with --secrets
    const { code, rows } = await scan('--secrets');
    expect(code).toBe(4);
    expect(rows[0]).toMatchObject({
      what: 'TLS Secret',
      where: 'Secret default/old-tls',
      subject: 'CN=old.example',
      issuerKind: 'other',
    });
    expect(rows[0]?.residualSeconds).toBeLessThan(0);
  });
});
