// The demo (scripts/run demo): the whole story on the sandbox control plane, end to end.
// Each issue extends it with its command, so it always shows what kubectl-certs can do today.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { connect } from 'node:tls';
import { type CertificateInfo, parseCertificates, verifyChain } from '@kubectl-certs/core';
import { Cluster } from './sandbox/cluster.ts';
import { type FakeKubelet, startFakeKubelet } from './sandbox/fake-kubelet.ts';
import { addNode, type NodeIdentity } from './sandbox/node-identity.ts';
import { ensureSandboxBinaries } from './sandbox/paths.ts';
import { fileServingCsr } from './sandbox/serving-csr.ts';

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

/** Runs the real kubectl (with kubectl-certs on PATH) and shows the command and its output. */
function kubectl(...args: string[]): void {
  say(`  $ kubectl ${args.join(' ')}`);
  const out = execFileSync('kubectl', args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      KUBECONFIG: cluster?.adminKubeconfig,
      PATH: [pathDir, dirname(process.execPath), process.env.PATH].join(delimiter),
    },
  });
  say(out.trimEnd().replace(/^/gm, '    '));
}

function servedChain(k: FakeKubelet): Promise<CertificateInfo[]> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: k.host, port: k.port, rejectUnauthorized: false }, () => {
      const pems: string[] = [];
      for (
        let c = s.getPeerCertificate(true);
        c?.raw && !pems.some((p) => p === c.raw.toString('base64'));
        c = c.issuerCertificate
      ) {
        pems.push(c.raw.toString('base64'));
      }
      s.end();
      resolve(
        pems.map(
          (b64) => parseCertificates(new Uint8Array(Buffer.from(b64, 'base64')))[0] as CertificateInfo,
        ),
      );
    });
    s.on('error', reject);
  });
}

async function main(): Promise<void> {
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

  section(2, 'Three nodes join; each kubelet serves a self-signed certificate, as kubeadm sets them up');
  const nodes: NodeIdentity[] = [];
  for (const i of [1, 2, 3]) {
    const name = `worker-${i}`;
    const ip = `127.0.0.${10 + i}`;
    const k = await startFakeKubelet({ node: name, bind: ip, workDir: join(cluster.dir, 'kubelets') });
    kubelets.push(k);
    nodes.push(await addNode(cluster, name, { ip, kubeletPort: k.port }));
  }
  kubectl(
    'get',
    'nodes',
    '-o',
    'custom-columns=NAME:.metadata.name,INTERNAL-IP:.status.addresses[0].address,KUBELET-PORT:.status.daemonEndpoints.kubeletEndpoint.Port',
  );

  section(3, 'What a client that trusts the cluster CA (like metrics-server) finds on each kubelet');
  const roots = parseCertificates(cluster.ca.cert);
  for (const k of kubelets) {
    const chain = await servedChain(k);
    const leaf = chain[0] as CertificateInfo;
    const verdict = await verifyChain(chain, roots, new Date());
    say(`  ${k.node} at ${k.host}:${k.port}`);
    say(
      `    subject ${leaf.subject.text}, issuer ${leaf.issuer.text}${leaf.selfIssued ? ' (self-signed)' : ''}`,
    );
    say(`    SANs: DNS ${leaf.sans.dns.join(', ') || 'none'}; IP ${leaf.sans.ip.join(', ') || 'none'}`);
    say(`    verified with the cluster CA: ${verdict.ok ? 'yes' : `no: ${verdict.message}`}`);
  }
  say('  This is why people run metrics-server with --kubelet-insecure-tls.');

  section(4, 'With serverTLSBootstrap: true, each kubelet files a kubelet-serving CSR instead, and waits');
  for (const n of nodes) await fileServingCsr(cluster, n);
  kubectl(
    'get',
    'csr',
    '-o',
    'custom-columns=NAME:.metadata.name,SIGNER:.spec.signerName,REQUESTOR:.spec.username,CONDITION:.status.conditions[*].type',
  );
  say(
    '  (no CONDITION: Pending. Someone must approve them, safely: that is `kubectl certs approve-serving`, coming next.)',
  );

  section(5, 'kubectl-certs runs as a kubectl plugin');
  kubectl('plugin', 'list');
  kubectl('certs', 'version');
}

try {
  await main();
  say(`\n${bold('Done.')} Tearing the sandbox down.`);
} catch (e) {
  process.exitCode = 1;
  console.error(`error: ${(e as Error).message}`);
} finally {
  await teardown();
}
