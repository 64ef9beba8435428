// The demo (scripts/run demo): the whole story on the sandbox control plane, end to end.
// Each issue extends it with its command, so it always shows what kubectl-certs can do today.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { connect } from 'node:tls';
import { type CertificateInfo, parseCertificates, verifyChain } from '@kubectl-certs/core';
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

/** Runs the real kubectl (kubectl-certs on PATH); shows the command, its output and a non-zero exit. */
function kubectl(...args: string[]): void {
  say(`  $ kubectl ${args.join(' ')}`);
  const r = spawnSync('kubectl', args, {
    encoding: 'utf8',
    env: {
      ...process.env,
      KUBECONFIG: cluster?.adminKubeconfig,
      PATH: [pathDir, dirname(process.execPath), process.env.PATH].join(delimiter),
    },
  });
  // kubectl 1.32 warns about its skew against the 1.20 sandbox; that is noise here.
  const stderr = r.stderr
    .split('\n')
    .filter((l) => l && !l.startsWith('WARNING: version difference'))
    .join('\n');
  say(`${r.stdout}${stderr ? `${stderr}\n` : ''}`.trimEnd().replace(/^/gm, '    '));
  if (r.status !== 0) say(`    (exit status ${r.status})`);
}

function servedChain(k: FakeKubelet): Promise<CertificateInfo[]> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: k.host, port: k.port, rejectUnauthorized: false }, () => {
      const raws: string[] = [];
      for (
        let c = s.getPeerCertificate(true);
        c?.raw && !raws.includes(c.raw.toString('base64'));
        c = c.issuerCertificate
      ) {
        raws.push(c.raw.toString('base64'));
      }
      s.end();
      resolve(
        raws.map(
          (b64) => parseCertificates(new Uint8Array(Buffer.from(b64, 'base64')))[0] as CertificateInfo,
        ),
      );
    });
    s.on('error', reject);
  });
}

/** What a client that trusts the cluster CA sees on each kubelet, verified by core. */
async function showKubelets(roots: CertificateInfo[]): Promise<void> {
  for (const k of kubelets) {
    const chain = await servedChain(k);
    const leaf = chain[0] as CertificateInfo;
    const verdict = await verifyChain(chain, roots, new Date());
    say(`  ${k.node} at ${k.host}:${k.port}`);
    say(`    subject ${leaf.subject.text}; issuer ${leaf.issuer.text}`);
    say(`    SANs: DNS ${leaf.sans.dns.join(', ') || 'none'}; IP ${leaf.sans.ip.join(', ') || 'none'}`);
    say(`    verified with the cluster CA: ${verdict.ok ? 'yes' : `no: ${verdict.message}`}`);
  }
}

async function main(c: Cluster): Promise<void> {
  const roots = parseCertificates(c.ca.cert);
  const workDir = join(c.dir, 'kubelets');

  section(2, 'Three nodes join; each kubelet serves a self-signed certificate, as kubeadm sets them up');
  const nodes: NodeIdentity[] = [];
  for (const i of [1, 2, 3]) {
    const k = await startFakeKubelet({ node: `worker-${i}`, bind: `127.0.0.${10 + i}`, workDir });
    kubelets.push(k);
    nodes.push(await addNode(c, k.node, { ip: k.host, kubeletPort: k.port }));
  }
  kubectl(
    'get',
    'nodes',
    '-o',
    'custom-columns=NAME:.metadata.name,INTERNAL-IP:.status.addresses[0].address,KUBELET-PORT:.status.daemonEndpoints.kubeletEndpoint.Port',
  );

  section(3, 'What a client that trusts the cluster CA (like metrics-server) finds on each kubelet');
  await showKubelets(roots);
  say('  This is why people run metrics-server with --kubelet-insecure-tls.');

  section(4, 'With serverTLSBootstrap: true, each kubelet files a kubelet-serving CSR instead, and waits');
  const filed: FiledCsr[] = [];
  for (const n of nodes) filed.push(await fileServingCsr(c, n));
  const [w1, w2] = nodes as [NodeIdentity, NodeIdentity];
  say(
    `  ...and ${w1.name} also files one naming ${w2.name}'s IP ${w2.ip}: the signer would sign it once approved.`,
  );
  await fileServingCsr(c, w1, { ips: [w1.ip, w2.ip] });
  kubectl(
    'get',
    'csr',
    '-o',
    'custom-columns=NAME:.metadata.name,SIGNER:.spec.signerName,REQUESTOR:.spec.username,CONDITION:.status.conditions[*].type',
  );

  section(5, 'kubectl certs approve-serving decides each one and says why (first without writing anything)');
  kubectl('certs', 'approve-serving', '--all', '--dry-run');
  kubectl('certs', 'approve-serving', '--all');
  kubectl(
    'get',
    'csr',
    '-o',
    'custom-columns=NAME:.metadata.name,REQUESTOR:.spec.username,CONDITION:.status.conditions[*].type,BY:.status.conditions[0].reason',
  );
  say('  The honest CSRs were issued by the cluster CA; the forged one stays Pending (with --deny: Denied).');

  section(6, 'Each kubelet now serves its issued certificate: verified with the cluster CA, IP SAN included');
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
  await showKubelets(roots);

  section(7, 'kubectl-certs runs as a kubectl plugin');
  kubectl('plugin', 'list');
  kubectl('certs', 'version');
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
