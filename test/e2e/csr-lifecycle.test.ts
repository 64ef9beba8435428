import { execFileSync } from 'node:child_process';
import { parseCertificate, parseCertificates, verifyChain } from '@kubectl-certs/core';
import { CertificatesV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { addNode, uniqueNodeName } from '../sandbox/node-identity.ts';
import { fileServingCsr, waitForIssued } from '../sandbox/serving-csr.ts';
import { sharedCluster } from './shared-cluster.ts';

const cluster = sharedCluster();

function kubectl(...args: string[]): string {
  return execFileSync('kubectl', ['--kubeconfig', cluster.adminKubeconfig, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

describe('a kubelet-serving CSR on the real control plane', () => {
  it('is filed by the node, shown Pending by kubectl, approved through client-node and issued by the real signer with the node SANs, chaining to the cluster CA', async () => {
    const node = await addNode(cluster, uniqueNodeName('worker-1'));
    const filed = await fileServingCsr(cluster, node);

    const condition = kubectl(
      'get',
      'csr',
      filed.name,
      '-o',
      'jsonpath={.spec.username} {.spec.signerName} {.status.conditions}',
    );
    expect(condition.trim()).toBe(`system:node:${node.name} kubernetes.io/kubelet-serving`);
    expect(kubectl('get', 'csr', filed.name, '--no-headers')).toMatch(/\bPending\s*$/);

    const kc = new KubeConfig();
    kc.loadFromFile(cluster.adminKubeconfig);
    const certs = kc.makeApiClient(CertificatesV1Api);
    const csr = await certs.readCertificateSigningRequest({ name: filed.name });
    csr.status = {
      conditions: [
        {
          type: 'Approved',
          status: 'True',
          reason: 'E2ETest',
          message: 'approved by the e2e test',
          lastUpdateTime: new Date(),
        },
      ],
    };
    await certs.replaceCertificateSigningRequestApproval({ name: filed.name, body: csr });

    const issued = parseCertificate(await waitForIssued(cluster, filed.name));
    expect(issued.subject.commonNames).toEqual([`system:node:${node.name}`]);
    expect(issued.subject.organizations).toEqual(['system:nodes']);
    expect(issued.sans.dns).toEqual([node.name]);
    expect(issued.sans.ip).toEqual([node.ip]);
    expect(issued.extendedKeyUsages).toEqual(['server auth']);

    const rootCa = await kc
      .makeApiClient(CoreV1Api)
      .readNamespacedConfigMap({ name: 'kube-root-ca.crt', namespace: 'default' });
    const roots = parseCertificates(rootCa.data?.['ca.crt'] ?? '');
    const chain = await verifyChain([issued], roots, new Date());
    expect(chain).toMatchObject({ ok: true });
    expect(chain.path.map((c) => c.subject.commonNames[0])).toEqual([
      `system:node:${node.name}`,
      'kubectl-certs-sandbox-ca',
    ]);
    expect(kubectl('get', 'csr', filed.name, '--no-headers')).toMatch(/Approved,Issued\s*$/);
  });

  it('lets a node forge a CSR for another node (the signer does not check; the approver must)', async () => {
    const worker1 = await addNode(cluster, uniqueNodeName('worker-1'));
    const victim = { name: uniqueNodeName('worker-9'), ip: '127.0.0.19' };
    const forged = await fileServingCsr(cluster, worker1, { forNode: victim });
    const spec = JSON.parse(kubectl('get', 'csr', forged.name, '-o', 'json')) as {
      spec: { username: string; request: string };
    };
    expect(spec.spec.username).toBe(`system:node:${worker1.name}`);
    expect(Buffer.from(spec.spec.request, 'base64').toString()).toBe(forged.csrPem);
  });
});
