import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type FakeKubelet, startFakeKubelet } from '../sandbox/fake-kubelet.ts';
import { addNode, randomLoopbackIp, setNodeStatus, uniqueNodeName } from '../sandbox/node-identity.ts';
import { fileServingCsr, waitForIssued } from '../sandbox/serving-csr.ts';
import { runCli } from './cli.ts';
import { sharedCluster } from './shared-cluster.ts';

const cluster = sharedCluster();
const admin = { KUBECONFIG: cluster.adminKubeconfig };
const kubelets: FakeKubelet[] = [];
afterAll(() => Promise.all(kubelets.map((k) => k.stop())));

async function selfSignedNode(prefix: string) {
  const name = uniqueNodeName(prefix);
  const k = await startFakeKubelet({
    node: name,
    bind: randomLoopbackIp(),
    workDir: join(cluster.dir, 'kubelets'),
  });
  kubelets.push(k);
  return { node: await addNode(cluster, name, { ip: k.host, kubeletPort: k.port }), kubelet: k };
}

describe('inspect-kubelet on the sandbox', () => {
  it('FAILs a self-signed kubelet with the exact IP SAN error, then says OK once its CSR is approved and served', async () => {
    const { node, kubelet } = await selfSignedNode('inspect');
    const before = await runCli(['inspect-kubelet', node.name], admin);
    expect(before.code).toBe(3);
    expect(before.stdout).toContain(`Node ${node.name}: kubelet https://${node.ip}:${kubelet.port}`);
    expect(before.stdout).toContain(
      `verdict: FAIL: x509: cannot validate certificate for ${node.ip} because it doesn't contain any IP SANs`,
    );
    expect(before.stdout).toContain('FAIL  configz: serverTLSBootstrap: false, rotateCertificates: true');
    expect(before.stdout).toContain('(self-signed by the kubelet)');
    expect(before.stdout).toMatch(/to fix:\n {4}1\. Set serverTLSBootstrap: true/);

    const csr = await fileServingCsr(cluster, node);
    const pending = await runCli(['inspect-kubelet', node.name], admin);
    expect(pending.stdout).toContain(
      `Approve the kubelet's serving CSR (pending now: ${csr.name}): kubectl certs approve-serving --node ${node.name}`,
    );

    expect((await runCli(['approve-serving', '--node', node.name], admin)).code).toBe(0);
    await kubelet.stop();
    const issued = await startFakeKubelet({
      node: node.name,
      bind: node.ip,
      workDir: cluster.dir,
      serving: { cert: await waitForIssued(cluster, csr.name), key: csr.keyPem },
    });
    kubelets.push(issued);
    await setNodeStatus(node, issued.port);

    const after = await runCli(['inspect-kubelet', node.name, '-o', 'json'], admin);
    expect(after.code).toBe(0);
    const v = (JSON.parse(after.stdout) as { kind: string; items: Record<string, unknown>[] })
      .items[0] as Record<string, unknown>;
    expect(v).toMatchObject({
      node: node.name,
      verdict: 'OK',
      endpoint: `https://${node.ip}:${issued.port}`,
    });
    expect((v.certificate as { sans: string[] }).sans).toEqual([`DNS:${node.name}`, `IP:${node.ip}`]);
    expect((v.checks as { id: string; outcome: string }[]).filter((c) => c.outcome === 'fail')).toEqual([]);
  });

  it('reports an unreachable kubelet and still inspects the others', async () => {
    const down = await addNode(cluster, uniqueNodeName('down'), { ip: randomLoopbackIp(), kubeletPort: 1 });
    const { node: up } = await selfSignedNode('up');
    const r = await runCli(['inspect-kubelet', down.name, up.name], admin);
    expect(r.code).toBe(3);
    expect(r.stdout).toContain(`verdict: FAIL: dial tcp ${down.ip}:1: connect: connection refused`);
    expect(r.stdout).toContain(`Node ${up.name}: kubelet https://${up.ip}`);
    expect(r.stdout).toContain(`cannot validate certificate for ${up.ip}`);
  });

  it('without nodes/proxy, says /configz needs it and still judges the certificate', async () => {
    const { node } = await selfSignedNode('noproxy');
    const user = uniqueNodeName('viewer');
    const creds = cluster.userCredentials(user);
    const kubectl = (...a: string[]) =>
      execFileSync('kubectl', ['--kubeconfig', cluster.adminKubeconfig, ...a], { stdio: 'pipe' });
    kubectl(
      'create',
      'clusterrole',
      user,
      '--verb=get,list',
      '--resource=nodes,certificatesigningrequests,configmaps',
    );
    kubectl('create', 'clusterrolebinding', user, `--clusterrole=${user}`, `--user=${user}`);
    const r = await runCli(['inspect-kubelet', node.name], { KUBECONFIG: creds.kubeconfig });
    expect(r.stdout).toMatch(
      /--\s+configz: cannot read \/configz: reading it through the API server needs the nodes\/proxy permission \(HTTP 403\)/,
    );
    expect(r.stdout).toContain(`verdict: FAIL: x509: cannot validate certificate for ${node.ip}`);
  });

  it('refuses a node that does not exist with one line', async () => {
    const r = await runCli(['inspect-kubelet', 'no-such-node'], admin);
    expect(r).toMatchObject({ code: 1, stderr: 'error: Node no-such-node not found\n' });
  });
});
