// The demo (scripts/run demo): the whole story on the sandbox control plane, end to end.
// Each issue extends it with its command, so it always shows what kubectl-certs can do today.
import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { Cluster } from './sandbox/cluster.ts';
import { followingServingSecret, stageMetricsServer } from './sandbox/metrics-server-stage.ts';
import { ensureSandboxBinaries } from './sandbox/paths.ts';
import { RealNode } from './sandbox/real-node.ts';
import { fileServingCsr } from './sandbox/serving-csr.ts';

const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const say = (s = '') => console.log(s);
const section = (n: number, title: string) => say(`\n${bold(`${n}. ${title}`)}`);

let cluster: Cluster | undefined;
const pathDir = mkdtempSync(join(tmpdir(), 'kc-demo-path-'));

async function teardown(): Promise<void> {
  // Stops the real nodes too (kubelets, containerd, namespaces), then the control plane.
  await cluster?.stop();
  rmSync(pathDir, { recursive: true, force: true });
}
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => void teardown().finally(() => process.exit(130)));
}

/**
 * Runs the real kubectl (kubectl-certs on PATH); shows the command, its output and a non-zero exit.
 * Asynchronous, so the demo's own waits go on meanwhile.
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
  section(
    2,
    'Three real nodes join (kubelet v1.20 on containerd, each in a network namespace of its own); each serves a self-signed certificate, as kubeadm sets them up',
  );
  const nodes = await Promise.all(
    [1, 2, 3].map((i) => RealNode.start(c, { name: `worker-${i}`, serverTLSBootstrap: false })),
  );
  await Promise.all(nodes.map((n) => n.waitForServed('its self-signed certificate', (pem) => pem !== '')));
  await kubectl(
    'get',
    'nodes',
    '-o',
    'custom-columns=NAME:.metadata.name,INTERNAL-IP:.status.addresses[0].address,KUBELET:.status.nodeInfo.kubeletVersion,RUNTIME:.status.nodeInfo.containerRuntimeVersion',
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

  section(
    4,
    'Set serverTLSBootstrap: true and restart the kubelets: each files a kubelet-serving CSR and waits, serving nothing',
  );
  await Promise.all(nodes.map((n) => n.restartKubelet(true)));
  await Promise.all(nodes.map((n) => n.pendingServingCsr()));
  const [w1, w2] = nodes as [RealNode, RealNode];
  say(
    `  ...and someone with ${w1.name}'s credentials files one naming ${w2.name}'s IP ${w2.ip}: the signer would sign it once approved.`,
  );
  await fileServingCsr(c, w1.identity, { ips: [w1.ip, w2.ip] });
  await kubectl(
    'get',
    'csr',
    '--field-selector=spec.signerName=kubernetes.io/kubelet-serving',
    '-o',
    'custom-columns=NAME:.metadata.name,SIGNER:.spec.signerName,REQUESTOR:.spec.username,CONDITION:.status.conditions[*].type',
  );
  await kubectl('certs', 'inspect-kubelet', 'worker-1');

  section(5, 'kubectl certs approve-serving decides each one and says why (first without writing anything)');
  await kubectl('certs', 'approve-serving', '--all', '--dry-run');
  await kubectl('certs', 'approve-serving', '--all');
  await kubectl(
    'get',
    'csr',
    '--field-selector=spec.signerName=kubernetes.io/kubelet-serving',
    '-o',
    'custom-columns=NAME:.metadata.name,REQUESTOR:.spec.username,CONDITION:.status.conditions[*].type,BY:.status.conditions[0].reason',
  );
  say('  The honest CSRs were issued by the cluster CA; the forged one stays Pending (with --deny: Denied).');

  section(
    6,
    'Each kubelet picks up its issued certificate and serves it: kubectl certs inspect-kubelet says OK',
  );
  const caSubject = new X509Certificate(c.ca.cert).subject;
  await Promise.all(
    nodes.map((n) =>
      n.waitForServed(
        'its issued certificate',
        (pem) => pem !== '' && new X509Certificate(pem).issuer === caSubject,
      ),
    ),
  );
  await kubectl('certs', 'inspect-kubelet', 'worker-1');
  await kubectl('certs', 'check-expiration', '--warn-within', '30d');

  section(7, 'The manifests: kubectl certs lint finds the insecure settings and fixes them (comments kept)');
  const example = new URL('../docs/examples/components.yaml', import.meta.url).pathname;
  await kubectl('certs', 'lint', example);
  await kubectl('certs', 'lint', example, '--diff');

  section(
    8,
    'The finale: metrics-server as its release manifest installs it (--kubelet-insecure-tls, insecureSkipTLSVerify: true), secured by one command',
  );
  say(
    "  (metrics-server's image cannot run here: its Deployment runs the pause image on the real nodes, and a stand-in answers behind the APIService)",
  );
  const { standIn } = await stageMetricsServer(c, nodes);
  await kubectl('certs', 'secure', 'metrics-server');
  say(
    '  --apply: the kubelet leg, then the APIService leg, each verified through the aggregator or rolled back.',
  );
  say(
    '  The Deployment was made by a plain create, so its args belong to another field manager: --force-conflicts takes them.',
  );
  await followingServingSecret(c, standIn, () =>
    kubectl('certs', 'secure', 'metrics-server', '--apply', '--force-conflicts', '--timeout', '2m'),
  );
  await kubectl(
    'get',
    'apiservice',
    'v1beta1.metrics.k8s.io',
    '-o',
    'custom-columns=NAME:.metadata.name,SERVICE:.spec.service.name,INSECURE-SKIP-TLS-VERIFY:.spec.insecureSkipTLSVerify',
  );
  say('  Its serving certificate and CA are now on the expiry list (approver run renews them):');
  await kubectl('certs', 'check-expiration');
  say('  kubectl top node goes through the aggregator, which verifies metrics-server with that caBundle:');
  await kubectl('top', 'node');
  await standIn.stop();

  section(9, 'kubectl-certs runs as a kubectl plugin');
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
    'Start a sandbox control plane (etcd 3.4, kube-apiserver with the aggregation layer, kube-controller-manager and kube-scheduler v1.20.2)',
  );
  const t0 = Date.now();
  cluster = await Cluster.start({ scheduler: true });
  say(`  up in ${((Date.now() - t0) / 1000).toFixed(1)} s at ${cluster.server}`);
  await main(cluster);
  say(`\n${bold('Done.')} Tearing the sandbox down.`);
} catch (e) {
  process.exitCode = 1;
  console.error(`error: ${(e as Error).message}`);
} finally {
  await teardown();
}
