import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiRequest, type Credentials } from './api.ts';
import { writeKubeconfig } from './kubeconfig.ts';
import { releaseStaleSlots } from './node-network.ts';
import { requireBinaries } from './paths.ts';
import { clientCert, genKey, issue, type KeyPair, makeCa, rsaPublicKey } from './pki.ts';
import { claimSandbox, reapOrphans, restartProcess, startProcess, waitFor } from './processes.ts';
import { killSandboxSync, teardownSandbox } from './teardown.ts';

export const SANDBOX_PREFIX = 'kubectl-certs-sandbox-';
const STATE = 'cluster.json';

export interface ClusterOptions {
  log?: (line: string) => void;
  /** kube-controller-manager's --cluster-signing-duration (default 1 year): short, to see kubelets rotate. */
  signingDuration?: string;
  /** Also run kube-scheduler, so that pods without nodeName (a Deployment's) land on real nodes. */
  scheduler?: boolean;
}

interface State {
  dir: string;
  server: string;
  apiPort: number;
  etcdUrl: string;
  caCertFile: string;
  caKeyFile: string;
}

/** A running sandbox control plane: etcd + kube-apiserver + kube-controller-manager on loopback. */
export class Cluster {
  readonly dir: string;
  readonly server: string;
  /** The API server listens on every address of this machine at this port (real nodes reach it over their veth). */
  readonly apiPort: number;
  /** etcd's client URL (plain HTTP on loopback): for benchmarks that reset its history between runs. */
  readonly etcdUrl: string;
  readonly ca: KeyPair;
  readonly admin: Credentials;
  readonly adminKubeconfig: string;

  private constructor(state: State) {
    this.dir = state.dir;
    this.server = state.server;
    this.apiPort = state.apiPort;
    this.etcdUrl = state.etcdUrl;
    this.ca = {
      certFile: state.caCertFile,
      keyFile: state.caKeyFile,
      cert: readFileSync(state.caCertFile, 'utf8'),
      key: readFileSync(state.caKeyFile, 'utf8'),
    };
    const pki = join(this.dir, 'pki');
    this.admin = {
      server: this.server,
      ca: this.ca.cert,
      cert: readFileSync(join(pki, 'admin.crt'), 'utf8'),
      key: readFileSync(join(pki, 'admin.key'), 'utf8'),
    };
    this.adminKubeconfig = join(this.dir, 'admin.kubeconfig');
  }

  /** Attaches to a cluster started by another process (vitest's global setup) from its folder. */
  static attach(dir: string): Cluster {
    return new Cluster(JSON.parse(readFileSync(join(dir, STATE), 'utf8')) as State);
  }

  static async start(opts: ClusterOptions = {}): Promise<Cluster> {
    const log = opts.log ?? (() => {});
    const bins = requireBinaries();
    const reaped = await reapOrphans(tmpdir(), SANDBOX_PREFIX, (d) => teardownSandbox(d, 3_000));
    if (reaped.length) log(`stopped ${reaped.length} sandbox(es) left by a killed run`);
    const stale = releaseStaleSlots();
    if (stale.length) log(`deleted ${stale.length} network namespace(s) whose sandbox was gone`);
    const dir = mkdtempSync(join(tmpdir(), SANDBOX_PREFIX));
    claimSandbox(dir);
    for (const sub of [
      'pki',
      'logs',
      'etcd',
      'kcm-certs',
      'scheduler-certs',
      'apiserver-certs',
      'nodes',
      'csrs',
    ])
      mkdirSync(join(dir, sub));
    // If this process dies without stopping the cluster, take the servers with it.
    process.once('exit', () => killSandboxSync(dir));
    try {
      return await boot(dir, bins, log, opts);
    } catch (e) {
      await teardownSandbox(dir, 3_000);
      throw e;
    }
  }

  /** A client identity signed by the cluster CA, e.g. a plain user with no RBAC bindings. */
  userCredentials(name: string, groups: string[] = []): Credentials & { kubeconfig: string } {
    const dir = join(this.dir, 'users');
    mkdirSync(dir, { recursive: true });
    const subject = [...groups.map((g) => `/O=${g}`), `/CN=${name}`].join('');
    const pair = clientCert(dir, name.replaceAll(':', '_'), subject, this.ca);
    const creds = { server: this.server, ca: this.ca.cert, cert: pair.cert, key: pair.key };
    return {
      ...creds,
      kubeconfig: writeKubeconfig(join(dir, `${name.replaceAll(':', '_')}.kubeconfig`), creds, name),
    };
  }

  /** Restarts kube-apiserver on the same port and data (etcd keeps running), and waits until ready. */
  async restartApiserver(): Promise<void> {
    const child = await restartProcess(this.dir, 'kube-apiserver');
    await waitFor(
      'kube-apiserver /readyz after restart',
      async () => (await apiRequest(this.admin, 'GET', '/readyz')).body === 'ok',
      {
        timeoutMs: 90_000,
        child,
        logFile: join(this.dir, 'logs', 'kube-apiserver.log'),
      },
    );
  }

  /** Stops every real node and the control plane (by PID), unmounts, deletes namespaces, then the folder. */
  async stop(opts: { purge?: boolean } = {}): Promise<void> {
    await teardownSandbox(this.dir);
    if (opts.purge ?? true) rmSync(this.dir, { recursive: true, force: true });
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      s.close(() => (addr && typeof addr === 'object' ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

function makePki(pki: string): void {
  const ca = makeCa(pki, 'ca', '/CN=kubectl-certs-sandbox-ca');
  issue(pki, 'apiserver', '/CN=kube-apiserver', ca, [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage=serverAuth',
    'subjectAltName=IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local',
  ]);
  clientCert(pki, 'admin', '/O=system:masters/CN=kubectl-certs-admin', ca);
  clientCert(pki, 'kube-controller-manager', '/CN=system:kube-controller-manager', ca);
  clientCert(pki, 'kube-scheduler', '/CN=system:kube-scheduler', ca);
  // As kubeadm's apiserver-kubelet-client: how the API server authenticates to kubelets (node proxy).
  clientCert(pki, 'apiserver-kubelet-client', '/O=system:masters/CN=kube-apiserver-kubelet-client', ca);
  genKey(join(pki, 'sa.key'), 'rsa');
  rsaPublicKey(join(pki, 'sa.key'), join(pki, 'sa.pub'));
  // The aggregation layer, as kubeadm sets it up: a CA of its own for the front proxy, whose client
  // certificate the API server shows to extension API servers (metrics-server) on every request.
  const frontProxy = makeCa(pki, 'front-proxy-ca', '/CN=front-proxy-ca');
  clientCert(pki, 'front-proxy-client', '/CN=front-proxy-client', frontProxy);
}

async function boot(
  dir: string,
  bins: ReturnType<typeof requireBinaries>,
  log: (l: string) => void,
  opts: ClusterOptions,
): Promise<Cluster> {
  const pki = join(dir, 'pki');
  const t0 = Date.now();
  makePki(pki);
  const [etcdPort, etcdPeer, apiPort, kcmPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const server = `https://127.0.0.1:${apiPort}`;
  const state: State = {
    dir,
    server,
    apiPort,
    etcdUrl: `http://127.0.0.1:${etcdPort}`,
    caCertFile: join(pki, 'ca.crt'),
    caKeyFile: join(pki, 'ca.key'),
  };
  writeFileSync(join(dir, STATE), JSON.stringify(state, null, 2));
  const cluster = Cluster.attach(dir);
  writeKubeconfig(cluster.adminKubeconfig, cluster.admin, 'kubectl-certs-admin');
  const componentKubeconfig = (file: string, pair: string, user: string) =>
    writeKubeconfig(
      join(dir, file),
      {
        server,
        ca: cluster.ca.cert,
        cert: readFileSync(join(pki, `${pair}.crt`), 'utf8'),
        key: readFileSync(join(pki, `${pair}.key`), 'utf8'),
      },
      user,
    );
  const kcmKubeconfig = componentKubeconfig(
    'kcm.kubeconfig',
    'kube-controller-manager',
    'system:kube-controller-manager',
  );
  const logFile = (n: string) => join(dir, 'logs', `${n}.log`);

  const etcd = startProcess(dir, 'etcd', bins.etcd, [
    '--name',
    'sandbox',
    '--data-dir',
    join(dir, 'etcd'),
    '--listen-client-urls',
    `http://127.0.0.1:${etcdPort}`,
    '--advertise-client-urls',
    `http://127.0.0.1:${etcdPort}`,
    '--listen-peer-urls',
    `http://127.0.0.1:${etcdPeer}`,
    '--initial-advertise-peer-urls',
    `http://127.0.0.1:${etcdPeer}`,
    '--initial-cluster',
    `sandbox=http://127.0.0.1:${etcdPeer}`,
    '--initial-cluster-state',
    'new',
    '--logger=zap',
    '--log-level=warn',
  ]);
  await waitFor('etcd', async () => (await fetch(`http://127.0.0.1:${etcdPort}/health`)).ok, {
    timeoutMs: 30_000,
    child: etcd,
    logFile: logFile('etcd'),
  });
  log(`etcd ready (${Date.now() - t0} ms)`);

  const apiserver = startProcess(dir, 'kube-apiserver', bins['kube-apiserver'], [
    `--etcd-servers=http://127.0.0.1:${etcdPort}`,
    // Every address: real nodes reach it from their namespaces at this machine's end of their veth.
    '--bind-address=0.0.0.0',
    '--advertise-address=127.0.0.1',
    `--secure-port=${apiPort}`,
    '--insecure-port=0',
    `--cert-dir=${join(dir, 'apiserver-certs')}`,
    `--tls-cert-file=${join(pki, 'apiserver.crt')}`,
    `--tls-private-key-file=${join(pki, 'apiserver.key')}`,
    `--client-ca-file=${state.caCertFile}`,
    '--service-cluster-ip-range=10.96.0.0/24',
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${join(pki, 'sa.pub')}`,
    `--service-account-signing-key-file=${join(pki, 'sa.key')}`,
    '--api-audiences=https://kubernetes.default.svc.cluster.local',
    '--authorization-mode=Node,RBAC',
    '--enable-admission-plugins=NodeRestriction',
    // Like kubeadm: the node proxy dials the node's IP (our nodes' Hostname does not resolve).
    '--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname',
    `--kubelet-client-certificate=${join(pki, 'apiserver-kubelet-client.crt')}`,
    `--kubelet-client-key=${join(pki, 'apiserver-kubelet-client.key')}`,
    '--endpoint-reconciler-type=none',
    // The aggregation layer (APIService objects), as kubeadm configures it; routing to the
    // Endpoints' addresses, as there is no kube-proxy to make Service IPs work.
    `--requestheader-client-ca-file=${join(pki, 'front-proxy-ca.crt')}`,
    '--requestheader-allowed-names=front-proxy-client',
    '--requestheader-extra-headers-prefix=X-Remote-Extra-',
    '--requestheader-group-headers=X-Remote-Group',
    '--requestheader-username-headers=X-Remote-User',
    `--proxy-client-cert-file=${join(pki, 'front-proxy-client.crt')}`,
    `--proxy-client-key-file=${join(pki, 'front-proxy-client.key')}`,
    '--enable-aggregator-routing=true',
    '--allow-privileged=false',
    '--profiling=false',
    '--v=1',
  ]);
  await waitFor(
    'kube-apiserver /readyz',
    async () => (await apiRequest(cluster.admin, 'GET', '/readyz')).body === 'ok',
    {
      timeoutMs: 90_000,
      child: apiserver,
      logFile: logFile('kube-apiserver'),
    },
  );
  log(`kube-apiserver ready on ${server} (${Date.now() - t0} ms)`);

  const kcm = startProcess(dir, 'kube-controller-manager', bins['kube-controller-manager'], [
    `--kubeconfig=${kcmKubeconfig}`,
    `--authentication-kubeconfig=${kcmKubeconfig}`,
    `--authorization-kubeconfig=${kcmKubeconfig}`,
    '--bind-address=127.0.0.1',
    `--secure-port=${kcmPort}`,
    '--port=0',
    `--cert-dir=${join(dir, 'kcm-certs')}`,
    '--controllers=csrsigning,csrapproving,csrcleaner,root-ca-cert-publisher,serviceaccount-token,serviceaccount,namespace,deployment,replicaset',
    `--cluster-signing-cert-file=${state.caCertFile}`,
    `--cluster-signing-key-file=${state.caKeyFile}`,
    `--root-ca-file=${state.caCertFile}`,
    ...(opts.signingDuration ? [`--cluster-signing-duration=${opts.signingDuration}`] : []),
    `--service-account-private-key-file=${join(pki, 'sa.key')}`,
    '--use-service-account-credentials=true',
    '--leader-elect=false',
    '--profiling=false',
    '--v=2',
  ]);
  // The controllers really work once root-ca-cert-publisher has written kube-root-ca.crt.
  await waitFor(
    'kube-controller-manager (kube-root-ca.crt published)',
    async () =>
      (await apiRequest(cluster.admin, 'GET', '/api/v1/namespaces/default/configmaps/kube-root-ca.crt'))
        .status === 200,
    {
      timeoutMs: 60_000,
      child: kcm,
      logFile: logFile('kube-controller-manager'),
    },
  );
  if (opts.scheduler) {
    const kubeconfig = componentKubeconfig('scheduler.kubeconfig', 'kube-scheduler', 'system:kube-scheduler');
    const scheduler = startProcess(dir, 'kube-scheduler', bins['kube-scheduler'], [
      `--kubeconfig=${kubeconfig}`,
      `--authentication-kubeconfig=${kubeconfig}`,
      `--authorization-kubeconfig=${kubeconfig}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${await freePort()}`,
      '--port=0',
      `--cert-dir=${join(dir, 'scheduler-certs')}`,
      '--leader-elect=false',
      '--profiling=false',
      '--v=2',
    ]);
    await waitFor(
      'kube-scheduler',
      async () => readFileSync(logFile('kube-scheduler'), 'utf8').includes('Serving securely'),
      { timeoutMs: 60_000, child: scheduler, logFile: logFile('kube-scheduler') },
    );
  }
  log(`control plane up in ${((Date.now() - t0) / 1000).toFixed(1)} s (${dir})`);
  return cluster;
}
