import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type FakeKubelet, startFakeKubelet } from '../sandbox/fake-kubelet.ts';
import { addNode, randomLoopbackIp, uniqueNodeName } from '../sandbox/node-identity.ts';
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

// The bootstrap story (self-signed, Pending, approved, served) runs on real kubelets in
// real-kubelet-bootstrap.test.ts. These cases are about the cluster around a kubelet (a Node
// with nothing listening, RBAC of the caller): an in-process endpoint serves for the kubelet.
describe('inspect-kubelet on the sandbox', () => {
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
      /--\s+configz: cannot read \/configz: reading it through the API server needs the nodes\/proxy permission \(HTTP 403: nodes "[^"]+" is forbidden: User "viewer-[0-9a-f]+" cannot get resource "nodes\/proxy"/,
    );
    expect(r.stdout).toContain(`verdict: FAIL: x509: cannot validate certificate for ${node.ip}`);
  });

  it('without the right to list CSRs, says the pending CSRs are unknown and why (not "none pending")', async () => {
    const { node } = await selfSignedNode('nocsr');
    const user = uniqueNodeName('nocsr-viewer');
    const creds = cluster.userCredentials(user);
    const kubectl = (...a: string[]) =>
      execFileSync('kubectl', ['--kubeconfig', cluster.adminKubeconfig, ...a], { stdio: 'pipe' });
    kubectl('create', 'clusterrole', user, '--verb=get,list', '--resource=nodes,nodes/proxy,configmaps');
    kubectl('create', 'clusterrolebinding', user, `--clusterrole=${user}`, `--user=${user}`);
    const r = await runCli(['inspect-kubelet', node.name], { KUBECONFIG: creds.kubeconfig });
    expect(r.stdout).toContain(
      `--    pending-csrs: unknown: cannot list CSRs: listing CSRs: forbidden: certificatesigningrequests.certificates.k8s.io is forbidden: User "${user}" cannot list resource "certificatesigningrequests"`,
    );
    expect(r.stdout).not.toContain('no pending kubelet-serving CSR');
  });

  it('refuses a node that does not exist with one line', async () => {
    const r = await runCli(['inspect-kubelet', 'no-such-node'], admin);
    expect(r).toMatchObject({ code: 1, stderr: 'error: Node no-such-node not found\n' });
  });
});
