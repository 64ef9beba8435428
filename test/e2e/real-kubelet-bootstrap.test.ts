import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueNodeName } from '../sandbox/node-identity.ts';
import { waitFor } from '../sandbox/processes.ts';
import { RealNode } from '../sandbox/real-node.ts';
import { waitForIssued } from '../sandbox/serving-csr.ts';
import { runCli } from './cli.ts';
import { sharedCluster } from './shared-cluster.ts';

// Real kubelets (v1.20, each in a network namespace of its own) on the run's shared control plane.
const cluster = sharedCluster();
const admin = { KUBECONFIG: cluster.adminKubeconfig };
let selfSigned: RealNode;
let bootstrap: RealNode;
let multi: RealNode;

beforeAll(async () => {
  [selfSigned, bootstrap, multi] = await Promise.all([
    RealNode.start(cluster, { name: uniqueNodeName('self'), serverTLSBootstrap: false }),
    RealNode.start(cluster, { name: uniqueNodeName('boot'), serverTLSBootstrap: true }),
    RealNode.start(cluster, { name: uniqueNodeName('multi'), extraAddresses: ['ExternalIP', 'InternalDNS'] }),
  ]);
}, 180_000);
afterAll(() => Promise.all([selfSigned?.stop(), bootstrap?.stop(), multi?.stop()]));

const issuedByClusterCa = (pem: string) => {
  if (!pem) return false;
  const ca = new X509Certificate(cluster.ca.cert);
  const leaf = new X509Certificate(pem);
  return leaf.checkIssued(ca) && leaf.verify(ca.publicKey);
};

describe('a real kubelet without serverTLSBootstrap', () => {
  it("FAILs inspect-kubelet with Go's exact message, and its configz is read through the API server", async () => {
    const leaf = await selfSigned.waitForServed('its self-signed certificate', (pem) => pem !== '');
    // The kubelet's own certutil certificate: "NAME@<unix time>", only DNS:NAME, no IP SAN.
    expect(new X509Certificate(leaf).subject).toMatch(new RegExp(`^CN=${selfSigned.name}@\\d+$`));

    const r = await runCli(['inspect-kubelet', selfSigned.name], admin);
    expect(r.code).toBe(3);
    expect(r.stdout).toContain(`Node ${selfSigned.name}: kubelet https://${selfSigned.ip}:10250`);
    expect(r.stdout).toContain('(self-signed by the kubelet)');
    expect(r.stdout).toContain(
      `verdict: FAIL: x509: cannot validate certificate for ${selfSigned.ip} because it doesn't contain any IP SANs`,
    );
    // The kubelet omits false values from /configz: an explicit false is shown for what it may be.
    expect(r.stdout).toContain(
      'FAIL  configz: serverTLSBootstrap: false (or not set), rotateCertificates: true',
    );
    expect(r.stdout).toMatch(/to fix:\n {4}1\. Set serverTLSBootstrap: true/);
  });
});

describe('a real kubelet with serverTLSBootstrap', () => {
  it('files a serving CSR; inspect-kubelet says it waits for approval (not the network), in the API server words for configz', async () => {
    const csr = await bootstrap.pendingServingCsr();
    await expect(bootstrap.servedChain()).rejects.toThrow(/alert internal error|SSL alert number 80/);

    const r = await runCli(['inspect-kubelet', bootstrap.name], admin);
    expect(r.code).toBe(3);
    expect(r.stdout).toContain(`verdict: FAIL: no serving certificate yet: CSR ${csr} is Pending`);
    expect(r.stdout).toContain(
      `    1. Approve the kubelet's serving CSR (pending now: ${csr}): kubectl certs approve-serving --node ${bootstrap.name}`,
    );
    expect(r.stdout).toContain(`info  pending-csrs: pending kubelet-serving CSRs of this node: ${csr}`);
    expect(r.stdout).not.toContain('Make the kubelet reachable');
    expect(r.stdout).toContain(
      '--    configz: cannot read /configz: HTTP 500: error trying to reach service: remote error: tls: internal error',
    );
  });

  it('is approved by approve-serving --node, issued by the real signer, and then served: inspect-kubelet OK', async () => {
    const csr = await bootstrap.pendingServingCsr();
    const approve = await runCli(['approve-serving', '--node', bootstrap.name], admin);
    expect(approve.code).toBe(0);
    expect(approve.stdout).toMatch(new RegExp(`${csr}\\s+${bootstrap.name}\\s.*Approved`));

    const issued = await waitForIssued(cluster, csr, 30_000);
    const served = await bootstrap.waitForServed('the certificate the signer issued', issuedByClusterCa);
    expect(new X509Certificate(served).raw.equals(new X509Certificate(issued).raw)).toBe(true);
    const cert = new X509Certificate(served);
    expect(cert.subject).toBe(`O=system:nodes\nCN=system:node:${bootstrap.name}`);
    expect(cert.issuer).toBe(new X509Certificate(cluster.ca.cert).subject);
    expect(cert.subjectAltName).toBe(`DNS:${bootstrap.name}, IP Address:${bootstrap.ip}`);

    const after = await runCli(['inspect-kubelet', bootstrap.name, '-o', 'json'], admin);
    expect(after.code).toBe(0);
    const v = (JSON.parse(after.stdout) as { items: Record<string, unknown>[] }).items[0] ?? {};
    expect(v).toMatchObject({
      node: bootstrap.name,
      verdict: 'OK',
      endpoint: `https://${bootstrap.ip}:10250`,
    });
    expect((v.certificate as { sans: string[] }).sans).toEqual([
      `DNS:${bootstrap.name}`,
      `IP:${bootstrap.ip}`,
    ]);
    expect(v.checks).toContainEqual({
      id: 'configz',
      outcome: 'pass',
      message: 'serverTLSBootstrap: true, rotateCertificates: true',
    });
    expect((v.checks as { outcome: string }[]).filter((c) => c.outcome === 'fail')).toEqual([]);
  });
});

describe('a real kubelet with extra addresses (ExternalIP, InternalDNS)', () => {
  it('asks for a certificate naming every address; approved, it serves them, and verifies on its ExternalIP', async () => {
    const addresses = multi.addresses(['ExternalIP', 'InternalDNS']);
    const wanted = addresses
      .map((a) => (/^[\d.]+$/.test(a.address) ? `IP Address:${a.address}` : `DNS:${a.address}`))
      .sort();
    const sans = (pem: string) => (new X509Certificate(pem).subjectAltName ?? '').split(', ').sort();
    // The kubelet's first CSR may predate the extra addresses; it asks again once they are set.
    let served = '';
    await waitFor(
      `${multi.name} to serve a certificate for ${wanted.join(', ')}`,
      async () => {
        await runCli(['approve-serving', '--node', multi.name], admin);
        served = (await multi.servedChain().catch(() => []))[0] ?? '';
        return served !== '' && JSON.stringify(sans(served)) === JSON.stringify(wanted);
      },
      { timeoutMs: 120_000 },
    );
    expect(issuedByClusterCa(served)).toBe(true);
    for (const csr of await multi.servingCsrs())
      expect(csr.status?.conditions?.map((c) => c.type) ?? [], csr.metadata.name).toEqual(['Approved']);

    const r = await runCli(
      ['inspect-kubelet', multi.name, '--preferred-address-types', 'ExternalIP,InternalIP'],
      admin,
    );
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toContain(`Node ${multi.name}: kubelet https://${multi.network.externalIp}:10250`);
    expect(r.stdout).toContain('verdict: OK');
  });
});
