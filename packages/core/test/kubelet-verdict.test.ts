import { afterAll, describe, expect, it } from 'vitest';
import { judgeKubelet, type KubeletEvidence } from '../src/kubelet/kubelet-verdict.ts';
import { parseCertificate, parseCertificates } from '../src/x509/certificate.ts';
import { der, generateCa, generateLeaf } from './support/generated.ts';
import { OpenSsl } from './support/openssl.ts';

const ssl = new OpenSsl();
afterAll(() => ssl.dispose());

const clusterCa = ssl.selfSigned('/CN=kubernetes');
const otherCa = ssl.selfSigned('/CN=other');
const selfCa = ssl.selfSigned('/CN=worker-1-ca@1700000000');
const selfLeaf = ssl.sign(ssl.csr(['CN = worker-1@1700000000']).csr, selfCa, ['subjectAltName=DNS:worker-1']);
const issuedPem = ssl.sign(ssl.csr(['O = system:nodes', 'CN = system:node:worker-1']).csr, clusterCa, [
  'subjectAltName=DNS:worker-1,IP:10.0.0.11',
]);
const clientOnlyPem = ssl.sign(ssl.csr(['O = system:nodes', 'CN = system:node:worker-1']).csr, clusterCa, [
  'extendedKeyUsage=clientAuth',
  'subjectAltName=DNS:worker-1,IP:10.0.0.11',
]);
const sha1Pem = ssl.sign(
  ssl.csr(['O = system:nodes', 'CN = system:node:worker-1']).csr,
  clusterCa,
  ['extendedKeyUsage=serverAuth', 'subjectAltName=DNS:worker-1,IP:10.0.0.11'],
  365,
  'sha1',
);
const foreignPem = ssl.sign(ssl.csr(['CN = system:node:worker-1']).csr, otherCa, [
  'subjectAltName=DNS:worker-1,IP:10.0.0.11',
]);

const now = new Date(Date.now() + 60_000);
function evidence(over: Partial<KubeletEvidence> = {}): KubeletEvidence {
  return {
    node: 'worker-1',
    addresses: [
      { type: 'InternalIP', address: '10.0.0.11' },
      { type: 'Hostname', address: 'worker-1' },
    ],
    port: 10250,
    preferredAddressTypes: ['InternalIP', 'ExternalIP', 'Hostname'],
    served: { ok: true, chain: parseCertificates(selfLeaf + selfCa.cert) },
    roots: { ok: true, certs: parseCertificates(clusterCa.cert), source: 'kube-root-ca.crt' },
    configz: { ok: true, serverTLSBootstrap: false, rotateCertificates: true },
    pendingCsrs: [],
    now,
    ...over,
  };
}

describe('can a client that trusts the cluster CA verify this kubelet?', () => {
  it('FAIL for a kubeadm self-signed kubelet, with the IP SAN message metrics-server logs, and the steps to fix it', async () => {
    const v = await judgeKubelet(evidence());
    expect(v).toMatchObject({
      verdict: 'FAIL',
      endpoint: 'https://10.0.0.11:10250',
      cause: "x509: cannot validate certificate for 10.0.0.11 because it doesn't contain any IP SANs",
    });
    expect(v.certificate?.selfSigned).toBe(true);
    expect(v.addresses).toEqual([
      {
        type: 'InternalIP',
        address: '10.0.0.11',
        used: true,
        ok: false,
        message: "x509: cannot validate certificate for 10.0.0.11 because it doesn't contain any IP SANs",
      },
      {
        // The name matches, but Go would still refuse the certificate: the line says why.
        type: 'Hostname',
        address: 'worker-1',
        used: false,
        ok: false,
        message: 'x509: certificate signed by unknown authority',
      },
    ]);
    expect(v.checks.find((c) => c.id === 'chain')).toMatchObject({
      outcome: 'fail',
      message: 'x509: certificate signed by unknown authority (trusting kube-root-ca.crt)',
    });
    expect(v.remediation[0]).toMatch(/^Set serverTLSBootstrap: true/);
    expect(v.remediation[1]).toBe(
      "Approve the kubelet's serving CSR: kubectl certs approve-serving --node worker-1",
    );
    expect(v.remediation.at(-1)).toMatch(/^Remove --kubelet-insecure-tls from metrics-server/);
  });

  it('OK for a kubelet serving a certificate the cluster CA issued for its address', async () => {
    const v = await judgeKubelet(
      evidence({
        served: { ok: true, chain: parseCertificates(issuedPem) },
        configz: { ok: true, serverTLSBootstrap: true, rotateCertificates: true },
      }),
    );
    expect(v.verdict).toBe('OK');
    expect(v.cause).toBeUndefined();
    expect(v.checks.filter((c) => c.outcome === 'fail')).toEqual([]);
    expect(v.remediation).toEqual([expect.stringMatching(/^Remove --kubelet-insecure-tls/)]);
  });

  it("uses metrics-server's preferred address order: Hostname first finds no IP problem, only the authority", async () => {
    const v = await judgeKubelet(evidence({ preferredAddressTypes: ['Hostname', 'InternalIP'] }));
    expect(v.endpoint).toBe('https://worker-1:10250');
    expect(v.cause).toBe('x509: certificate signed by unknown authority');
  });

  it('names pending CSRs in the steps', async () => {
    const v = await judgeKubelet(
      evidence({
        pendingCsrs: ['csr-abc'],
        configz: { ok: true, serverTLSBootstrap: true, rotateCertificates: true },
      }),
    );
    expect(v.remediation).toContain(
      "Approve the kubelet's serving CSR (pending now: csr-abc): kubectl certs approve-serving --node worker-1",
    );
  });

  it('says when the certificate comes from another CA than the one checked', async () => {
    const v = await judgeKubelet(
      evidence({
        served: { ok: true, chain: parseCertificates(foreignPem) },
        configz: { ok: true, serverTLSBootstrap: true },
      }),
    );
    expect(v.cause).toBe('x509: certificate signed by unknown authority');
    expect(v.checks.find((c) => c.id === 'chain')?.message).toBe(
      'x509: certificate signed by unknown authority (trusting kube-root-ca.crt)',
    );
    expect(v.remediation[0]).toMatch(/not signed by the CA checked here/);
  });

  it.each([
    ['without serverAuth', () => clientOnlyPem, 'x509: certificate specifies an incompatible key usage'],
    ['signed with SHA-1', () => sha1Pem, expect.stringContaining('insecure algorithm SHA1-RSA')],
  ])('says to re-issue a certificate %s, which no CA bundle makes acceptable', async (_n, pem, cause) => {
    const v = await judgeKubelet(
      evidence({
        served: { ok: true, chain: parseCertificates(pem()) },
        configz: { ok: true, serverTLSBootstrap: true, rotateCertificates: true },
      }),
    );
    expect(v.cause).toEqual(cause);
    expect(v.remediation[0]).toMatch(/^Re-issue the kubelet's serving certificate: Go clients refuse it/);
    expect(v.remediation.join('\n')).not.toMatch(/not signed by the CA checked here/);
  });

  it('reports an expired certificate first, as Go does', async () => {
    const ca = await generateCa(
      'CN=kubernetes',
      new Date('2020-01-01T00:00:00Z'),
      new Date('2040-01-01T00:00:00Z'),
    );
    const leaf = await generateLeaf(
      'CN=system:node:worker-1',
      ca,
      new Date('2021-01-01T00:00:00Z'),
      new Date('2022-01-01T00:00:00Z'),
    );
    const v = await judgeKubelet(
      evidence({
        served: { ok: true, chain: [parseCertificate(der(leaf))] },
        roots: { ok: true, certs: [parseCertificate(der(ca.cert))], source: 'ca' },
        now: new Date('2023-01-01T00:00:00Z'),
      }),
    );
    expect(v.cause).toBe(
      'x509: certificate has expired or is not yet valid: current time 2023-01-01T00:00:00Z is after 2022-01-01T00:00:00Z',
    );
  });

  it('FAIL with the connection error when the kubelet cannot be reached', async () => {
    const v = await judgeKubelet(
      evidence({ served: { ok: false, error: 'dial tcp 10.0.0.11:10250: connect: connection refused' } }),
    );
    expect(v).toMatchObject({
      verdict: 'FAIL',
      cause: 'dial tcp 10.0.0.11:10250: connect: connection refused',
    });
    expect(v.remediation[0]).toMatch(/^Make the kubelet reachable/);
  });

  it('says that /configz needs nodes/proxy, without failing because of it', async () => {
    const v = await judgeKubelet(
      evidence({
        served: { ok: true, chain: parseCertificates(issuedPem) },
        configz: { ok: false, forbidden: true, error: 'forbidden' },
      }),
    );
    expect(v.verdict).toBe('OK');
    expect(v.checks.find((c) => c.id === 'configz')).toMatchObject({
      outcome: 'skip',
      message: expect.stringMatching(/needs the nodes\/proxy permission/),
    });
  });

  it('FAIL when the node has none of the preferred address types', async () => {
    const v = await judgeKubelet(evidence({ addresses: [{ type: 'InternalDNS', address: 'w1.internal' }] }));
    expect(v).toMatchObject({
      verdict: 'FAIL',
      cause: 'Node worker-1 has no address of the types InternalIP, ExternalIP, Hostname',
    });
  });
});
