// kubectl certs inspect-kubelet, run as a process on the sandbox, against kubelet endpoints whose
// certificates Go refuses in ways a real kubelet cannot be made to serve: the verdict must be what
// Go 1.19 says dialling the endpoint (test/go-oracle), and each address line what Go says for
// that address as the name.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { goDial, goVerify } from '../go-oracle/go-oracle.ts';
import { type FakeKubelet, startFakeKubelet } from '../sandbox/fake-kubelet.ts';
import { addNode, randomLoopbackIp, uniqueNodeName } from '../sandbox/node-identity.ts';
import { issue, type KeyPair, makeCa } from '../sandbox/pki.ts';
import { runCli } from './cli.ts';
import { sharedCluster } from './shared-cluster.ts';

const cluster = sharedCluster();
const admin = { KUBECONFIG: cluster.adminKubeconfig };
const kubelets: FakeKubelet[] = [];
afterAll(() => Promise.all(kubelets.map((k) => k.stop())));

const EXTERNAL_IP = '10.0.0.99';
type Issuer = 'cluster CA' | 'a CA with the cluster CA name but another key';

/** A node whose kubelet serves a certificate signed by `issuer` with `ext`, for the node's name and IP. */
async function kubeletServing(prefix: string, issuer: Issuer, ext: (name: string, ip: string) => string[]) {
  const name = uniqueNodeName(prefix);
  const ip = randomLoopbackIp();
  const dir = join(cluster.dir, 'go-oracle', name);
  mkdirSync(dir, { recursive: true });
  const ca: KeyPair =
    issuer === 'cluster CA' ? cluster.ca : makeCa(dir, 'regenerated-ca', '/CN=kubectl-certs-sandbox-ca');
  const pair = issue(dir, 'serving', `/O=system:nodes/CN=system:node:${name}`, ca, ext(name, ip));
  const k = await startFakeKubelet({ node: name, bind: ip, workDir: dir, serving: pair });
  kubelets.push(k);
  await addNode(cluster, name, {
    ip,
    kubeletPort: k.port,
    extraAddresses: [{ type: 'ExternalIP', address: EXTERNAL_IP }],
  });
  return { name, ip, port: k.port, served: pair.cert };
}

const cases: Record<string, [Issuer, (name: string, ip: string) => string[]]> = {
  'a certificate without serverAuth (clientAuth only)': [
    'cluster CA',
    (n, ip) => ['extendedKeyUsage=clientAuth', `subjectAltName=DNS:${n},IP:${ip}`],
  ],
  'a certificate for the IP only: the other addresses fail by name': [
    'cluster CA',
    (_n, ip) => ['extendedKeyUsage=serverAuth', `subjectAltName=IP:${ip}`],
  ],
  'a certificate from a regenerated CA (same name, another key): every address fails': [
    'a CA with the cluster CA name but another key',
    (n, ip) => ['extendedKeyUsage=serverAuth', `subjectAltName=DNS:${n},IP:${ip},IP:${EXTERNAL_IP}`],
  ],
};

describe('inspect-kubelet on the sandbox says what Go says (the Go oracle)', () => {
  it.each(Object.entries(cases))('%s', async (_title, [issuer, ext]) => {
    const node = await kubeletServing('go-oracle', issuer, ext);
    const r = await runCli(['inspect-kubelet', node.name, '-o', 'json'], admin);
    const now = new Date();
    const [v] = (JSON.parse(r.stdout) as { items: Verdict[] }).items as [Verdict];
    const go = await goDial(`${node.ip}:${node.port}`, cluster.ca.cert, now);
    expect(v.verdict === 'OK' ? 'OK' : v.cause).toBe(go);
    expect(r.code).toBe(go === 'OK' ? 0 : 3);
    const lines = Object.fromEntries(v.addresses.map((a) => [a.address, a.ok ? 'OK' : a.message]));
    const goLines = Object.fromEntries(
      [node.ip, node.name, EXTERNAL_IP].map((a) => [
        a,
        goVerify({ chain: node.served, roots: cluster.ca.cert, name: a, now }),
      ]),
    );
    expect(lines).toEqual(goLines);
    // The table shows the same lines.
    const table = await runCli(['inspect-kubelet', node.name], admin);
    for (const [address, text] of Object.entries(goLines))
      if (text !== 'OK') expect(table.stdout).toContain(`${address}: ${text}`);
  });
});

interface Verdict {
  verdict: 'OK' | 'FAIL';
  cause?: string;
  addresses: { address: string; ok: boolean; message: string }[];
}
