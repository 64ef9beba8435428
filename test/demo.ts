// The demo (scripts/run demo): the whole story on the sandbox control plane, end to end.
// Each issue extends it with its command, so it always shows what kubectl-certs can do today.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { Cluster } from './sandbox/cluster.ts';
import { type FakeKubelet, startFakeKubelet } from './sandbox/fake-kubelet.ts';
import { addNode, type NodeIdentity, setNodeStatus } from './sandbox/node-identity.ts';
import { ensureSandboxBinaries } from './sandbox/paths.ts';
import { type FiledCsr, fileServingCsr, waitForIssued } from './sandbox/serving-csr.ts';

const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const say = (s = '') => console.log(s);
const section = (n: number, title: string) => say(`\n${bold(`${n}. ${title}`)}`);

let cluster: Cluster | undefined;
const kubelets: FakeKubelet[] = [];
const pathDir = mkdtempSync(join(tmpdir(), 'kc-demo-path-'));

async function teardown(): Promise<void> {
  await Promise.all(kubelets.map((k) => k.stop()));
  await cluster?.stop();
  rmSync(pathDir, { recursive: true, force: true });
}
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => void teardown().finally(() => process.exit(130)));
}

/**
 * Runs the real kubectl (kubectl-certs on PATH); shows the command, its output and a non-zero exit.
 * Asynchronous: the fake kubelets live in this process and must keep answering meanwhile.
 */
async function kubectl(...args: string[]): Promise<void> {
  say(`  $ kubectl ${args.join(' ')}`);
  const child = spawn('kubectl', args, {
    env: {
      ...process.env,
      KUBECONFIG: cluster?.adminKubeconfig,
      PATH: [pathDir, dirname(process.execPath), process.env.PATH].join(delimiter),
    },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
  // kubectl 1.32 warns about its skew against the 1.20 sandbox; that is noise here.
  const errors = stderr
    .split('\n')
    .filter((l) => l && !l.startsWith('WARNING: version difference'))
    .join('\n');
  say(`${stdout}${errors ? `${errors}\n` : ''}`.trimEnd().replace(/^/gm, '    '));
  if (status !== 0) say(`    (exit status ${status})`);
}

async function main(c: Cluster): Promise<void> {
  const workDir = join(c.dir, 'kubelets');

  section(2, 'Three nodes join; each kubelet serves a self-signed certificate, as kubeadm sets them up');
  const nodes: NodeIdentity[] = [];
  for (const i of [1, 2, 3]) {
    const k = await startFakeKubelet({ node: `worker-${i}`, bind: `127.0.0.${10 + i}`, workDir });
    kubelets.push(k);
    nodes.push(await addNode(c, k.node, { ip: k.host, kubeletPort: k.port }));
  }
  await kubectl(
    'get',
    'nodes',
    '-o',
    'custom-columns=NAME:.metadata.name,INTERNAL-IP:.status.addresses[0].address,KUBELET-PORT:.status.daemonEndpoints.kubeletEndpoint.Port',
  );

  section(
    3,
    'Can a client that trusts the cluster CA (like metrics-server) verify the kubelets? kubectl certs inspect-kubelet',
  );
  await kubectl('certs', 'inspect-kubelet', 'worker-1');
  say(
    '  This is why people run metrics-server with --kubelet-insecure-tls. Every certificate, soonest expiry first:',
  );
  await kubectl('certs', 'check-expiration');

  section(4, 'With serverTLSBootstrap: true, each kubelet files a kubelet-serving CSR instead, and waits');
  const filed: FiledCsr[] = [];
  for (const n of nodes) filed.push(await fileServingCsr(c, n));
  const [w1, w2] = nodes as [NodeIdentity, NodeIdentity];
  say(
    `  ...and ${w1.name} also files one naming ${w2.name}'s IP ${w2.ip}: the signer would sign it once approved.`,
  );
  await fileServingCsr(c, w1, { ips: [w1.ip, w2.ip] });
  await kubectl(
    'get',
    'csr',
    '-o',
    'custom-columns=NAME:.metadata.name,SIGNER:.spec.signerName,REQUESTOR:.spec.username,CONDITION:.status.conditions[*].type',
  );

  section(5, 'kubectl certs approve-serving decides each one and says why (first without writing anything)');
  await kubectl('certs', 'approve-serving', '--all', '--dry-run');
  await kubectl('certs', 'approve-serving', '--all');
  await kubectl(
    'get',
    'csr',
    '-o',
    'custom-columns=NAME:.metadata.name,REQUESTOR:.spec.username,CONDITION:.status.conditions[*].type,BY:.status.conditions[0].reason',
  );
  say('  The honest CSRs were issued by the cluster CA; the forged one stays Pending (with --deny: Denied).');

  section(6, 'Each kubelet now serves its issued certificate: kubectl certs inspect-kubelet says OK');
  await Promise.all(kubelets.splice(0).map((k) => k.stop()));
  for (const [i, n] of nodes.entries()) {
    const f = filed[i] as FiledCsr;
    const k = await startFakeKubelet({
      node: n.name,
      bind: n.ip,
      workDir,
      serving: { cert: await waitForIssued(c, f.name), key: f.keyPem },
    });
    kubelets.push(k);
    await setNodeStatus(n, k.port);
  }
  await kubectl('certs', 'inspect-kubelet', 'worker-1');
  await kubectl('certs', 'check-expiration', '--warn-within', '30d');

  section(7, 'The manifests: kubectl certs lint finds the insecure settings and fixes them (comments kept)');
  const example = new URL('../docs/examples/components.yaml', import.meta.url).pathname;
  await kubectl('certs', 'lint', example);
  await kubectl('certs', 'lint', example, '--diff');

  section(8, 'kubectl-certs runs as a kubectl plugin');
  await kubectl('plugin', 'list');
  await kubectl('certs', 'version');
}

try {
  say(bold('kubectl-certs demo: kubelet serving certificates on a real Kubernetes control plane'));
  ensureSandboxBinaries();
  symlinkSync(
    new URL('../plugin/bin/kubectl-certs.js', import.meta.url).pathname,
    join(pathDir, 'kubectl-certs'),
  );
  section(
    1,
    'Start a sandbox control plane (etcd 3.4, kube-apiserver and kube-controller-manager v1.20.2) on loopback',
  );
  const t0 = Date.now();
  cluster = await Cluster.start();
  say(`  up in ${((Date.now() - t0) / 1000).toFixed(1)} s at ${cluster.server}`);
  await main(cluster);
  say(`\n${bold('Done.')} Tearing the sandbox down.`);
} catch (e) {
  process.exitCode = 1;
  console.error(`error: ${(e as Error).message}`);
} finally {
  await teardown();
}
