import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { isNoCertificateAlert } from '@kubectl-certs/core';
import { apiCall, apiRequest } from './api.ts';
import type { Cluster } from './cluster.ts';
import { startContainerd } from './containerd.ts';
import { checkNodeSupport } from './host-support.ts';
import { type NodeIdentity, nodeIdentity, uniqueNodeName } from './node-identity.ts';
import { createNodeNetwork, type NodeNetwork } from './node-network.ts';
import { requireBinaries } from './paths.ts';
import { killTrackedSync, restartProcess, startProcess, waitFor } from './processes.ts';
import { KUBELET_SERVING } from './serving-csr.ts';
import { teardownNode } from './teardown.ts';

export interface RealNodeOptions {
  /** Default: a unique "node-xxxx". */
  name?: string;
  /** true: the kubelet asks for a CA-signed serving certificate (a kubelet-serving CSR). false: it serves a self-signed one with no IP SAN, as kubeadm's kubelets do. Default true. */
  serverTLSBootstrap?: boolean;
  /** The kubelet's port (each node has its own namespace, so the default 10250 never collides). */
  port?: number;
  /**
   * Addresses beyond InternalIP and Hostname: ExternalIP (the node's second address, see
   * node-network.ts), InternalDNS / ExternalDNS (NAME.internal / NAME.external, names only). A
   * kubelet without a cloud provider reports only its own; with --cloud-provider=external it keeps
   * what a cloud-controller-manager set, so the harness plays that part once the Node exists. The
   * kubelet's first CSR may predate them: it asks again when its addresses change.
   */
  extraAddresses?: ExtraAddressType[];
}

export type ExtraAddressType = 'ExternalIP' | 'InternalDNS' | 'ExternalDNS';

interface CsrItem {
  metadata: { name: string; creationTimestamp: string };
  spec: { signerName: string; username: string };
  status?: { conditions?: { type: string }[]; certificate?: string };
}

/**
 * A real node: a network namespace of its own (a test host on a veth pair), its own containerd
 * and a kubelet v1.20 built from the same source as the API server, with its own identity
 * (system:node:NAME), KubeletConfiguration and port. Everything it has lives in
 * <sandbox>/nodes/NAME, and teardownNode() (also run by the reaper after a killed run) removes it.
 */
export class RealNode {
  readonly cluster: Cluster;
  readonly name: string;
  readonly dir: string;
  readonly network: NodeNetwork;
  readonly port: number;
  /** The kubelet's identity; the harness can act as the node with it over loopback (creds). */
  readonly identity: NodeIdentity;

  private constructor(f: Pick<RealNode, 'cluster' | 'name' | 'dir' | 'network' | 'port' | 'identity'>) {
    this.cluster = f.cluster;
    this.name = f.name;
    this.dir = f.dir;
    this.network = f.network;
    this.port = f.port;
    this.identity = f.identity;
  }

  /** The node's InternalIP (its end of the veth), where the kubelet listens. */
  get ip(): string {
    return this.network.nodeIp;
  }

  static async start(cluster: Cluster, opts: RealNodeOptions = {}): Promise<RealNode> {
    checkNodeSupport();
    const bins = requireBinaries();
    const name = opts.name ?? uniqueNodeName('node');
    const dir = join(cluster.dir, 'nodes', name);
    mkdirSync(join(dir, 'logs'), { recursive: true });
    // A test worker that dies takes its kubelets with it; the reaper removes the rest later.
    process.once('exit', () => killTrackedSync(dir));
    try {
      const network = createNodeNetwork(dir);
      const server = `https://${network.hostIp}:${cluster.apiPort}`;
      const identity = nodeIdentity(cluster, name, network.nodeIp, server);
      const node = new RealNode({ cluster, name, dir, network, port: opts.port ?? 10250, identity });
      const containerd = await startContainerd(dir, network.netnsPath);
      const kubelet = startProcess(dir, 'kubelet', 'nsenter', [
        `--net=${network.netnsPath}`,
        '--',
        bins.kubelet,
        ...node.kubeletFlags(containerd.socket, containerd.images.pause.ref, opts),
      ]);
      await waitFor('the kubelet to register its Node', async () => node.registered(), {
        timeoutMs: 60_000,
        child: kubelet,
        logFile: join(dir, 'logs', 'kubelet.log'),
      });
      if (opts.extraAddresses?.length) await node.setAddresses(opts.extraAddresses);
      return node;
    } catch (e) {
      await teardownNode(dir);
      throw e;
    }
  }

  private kubeletFlags(socket: string, pauseRef: string, opts: RealNodeOptions): string[] {
    const root = join(this.dir, 'kubelet');
    const certs = join(this.dir, 'kubelet-pki');
    mkdirSync(root, { recursive: true });
    mkdirSync(certs, { recursive: true });
    this.writeKubeletConfiguration(opts.serverTLSBootstrap ?? true);
    return [
      `--config=${this.configFile}`,
      `--kubeconfig=${this.identity.kubeconfig}`,
      '--container-runtime=remote',
      `--container-runtime-endpoint=unix://${socket}`,
      `--pod-infra-container-image=${pauseRef}`,
      `--root-dir=${root}`,
      `--cert-dir=${certs}`,
      `--volume-plugin-dir=${join(this.dir, 'volume-plugins')}`,
      `--hostname-override=${this.name}`,
      `--node-ip=${this.ip}`,
      ...(opts.extraAddresses?.length ? ['--cloud-provider=external'] : []),
      '--v=2',
    ];
  }

  /**
   * The recipe's KubeletConfiguration, with the real defaults for who may call the kubelet:
   * client certificates from the cluster CA (the API server has one) and webhook authorization.
   * Like every kubelet without protectKernelDefaults, it sets the machine's vm.overcommit_memory=1,
   * kernel.panic=10 and kernel.panic_on_oops=1 (not namespaced; with protectKernelDefaults it
   * would refuse to start on a machine that has other values).
   */
  private get configFile(): string {
    return join(this.dir, 'kubelet-config.json');
  }

  private writeKubeletConfiguration(serverTLSBootstrap: boolean): void {
    writeFileSync(this.configFile, JSON.stringify(this.kubeletConfiguration(serverTLSBootstrap), null, 2));
  }

  /**
   * What an admin does on a kubeadm node: change serverTLSBootstrap in the KubeletConfiguration
   * and restart the kubelet (same flags, same identity; the Node stays registered).
   */
  async restartKubelet(serverTLSBootstrap: boolean): Promise<void> {
    this.writeKubeletConfiguration(serverTLSBootstrap);
    const kubelet = await restartProcess(this.dir, 'kubelet');
    await waitFor(
      'the restarted kubelet to listen',
      // It listens once it answers TLS: with a certificate, or with the alert of one still missing.
      async () =>
        this.servedChain().then(
          () => true,
          (e: Error) => isNoCertificateAlert(e.message),
        ),
      {
        timeoutMs: 30_000,
        child: kubelet,
      },
    );
  }

  private kubeletConfiguration(serverTLSBootstrap: boolean): Record<string, unknown> {
    return {
      apiVersion: 'kubelet.config.k8s.io/v1beta1',
      kind: 'KubeletConfiguration',
      // The kubelet's default: every address, which inside the namespace are the node's own.
      address: '0.0.0.0',
      port: this.port,
      readOnlyPort: 0,
      healthzPort: 0,
      serverTLSBootstrap,
      rotateCertificates: true,
      authentication: {
        anonymous: { enabled: false },
        webhook: { enabled: true },
        x509: { clientCAFile: this.cluster.ca.certFile },
      },
      authorization: { mode: 'Webhook' },
      cgroupDriver: 'cgroupfs',
      failSwapOn: false,
      cgroupsPerQOS: false,
      enforceNodeAllocatable: [],
      evictionHard: {},
      // Every kubelet of every sandbox on this machine shares its disks: never garbage-collect.
      imageGCHighThresholdPercent: 100,
      imageGCLowThresholdPercent: 99,
    };
  }

  private async registered(): Promise<boolean> {
    const r = await apiRequest<{ status?: { addresses?: { type: string }[] } }>(
      this.cluster.admin,
      'GET',
      `/api/v1/nodes/${this.name}`,
    );
    return r.status === 200 && Boolean(r.body.status?.addresses?.some((a) => a.type === 'InternalIP'));
  }

  /** The addresses the node reports with these extra ones (in the order status.addresses lists them). */
  addresses(extra: ExtraAddressType[] = []): { type: string; address: string }[] {
    const value: Record<ExtraAddressType, string> = {
      ExternalIP: this.network.externalIp,
      InternalDNS: `${this.name}.internal`,
      ExternalDNS: `${this.name}.external`,
    };
    return [
      { type: 'InternalIP', address: this.ip },
      ...extra.map((type) => ({ type, address: value[type] })),
      { type: 'Hostname', address: this.name },
    ];
  }

  /** As a cloud-controller-manager would: the kubelet's own addresses plus `extra`. */
  private async setAddresses(extra: ExtraAddressType[]): Promise<void> {
    const addresses = this.addresses(extra);
    await apiCall(
      this.cluster.admin,
      'PATCH',
      `/api/v1/nodes/${this.name}/status`,
      { status: { addresses } },
      'application/merge-patch+json',
    );
  }

  /** This node's kubelet-serving CSRs, oldest first. */
  async servingCsrs(): Promise<CsrItem[]> {
    const list = await apiCall<{ items: CsrItem[] }>(
      this.cluster.admin,
      'GET',
      '/apis/certificates.k8s.io/v1/certificatesigningrequests',
    );
    return list.items
      .filter((c) => c.spec.signerName === KUBELET_SERVING && c.spec.username === `system:node:${this.name}`)
      .sort((a, b) => a.metadata.creationTimestamp.localeCompare(b.metadata.creationTimestamp));
  }

  /** The name of the serving CSR the kubelet filed and that nobody decided yet, once there is one. */
  async pendingServingCsr(timeoutMs = 90_000): Promise<string> {
    let name = '';
    await waitFor(
      `a pending kubelet-serving CSR of ${this.name}`,
      async () => {
        name = (await this.servingCsrs()).find((c) => !c.status?.conditions?.length)?.metadata.name ?? '';
        return name !== '';
      },
      { timeoutMs, logFile: join(this.dir, 'logs', 'kubelet.log') },
    );
    return name;
  }

  /** The certificate the kubelet serves now (PEM, leaf first), read over TLS at ip:port. */
  servedChain(timeoutMs = 5_000): Promise<string[]> {
    return new Promise((resolve, reject) => {
      const socket = connect(
        { host: this.ip, port: this.port, rejectUnauthorized: false, timeout: timeoutMs },
        () => {
          const chain: string[] = [];
          for (let c = socket.getPeerX509Certificate(); c; c = c.issuerCertificate) {
            if (chain.includes(c.toString())) break;
            chain.push(c.toString());
          }
          socket.end();
          resolve(chain);
        },
      );
      socket.once('timeout', () => socket.destroy(new Error(`no TLS answer from ${this.ip}:${this.port}`)));
      socket.once('error', reject);
    });
  }

  /** Waits until the kubelet serves a certificate that `accept` accepts; returns it. */
  async waitForServed(
    what: string,
    accept: (leafPem: string) => boolean,
    timeoutMs = 60_000,
  ): Promise<string> {
    let leaf = '';
    await waitFor(
      `${this.name} to serve ${what}`,
      async () => {
        leaf = (await this.servedChain())[0] ?? '';
        return accept(leaf);
      },
      { timeoutMs, logFile: join(this.dir, 'logs', 'kubelet.log') },
    );
    return leaf;
  }

  async stop(): Promise<void> {
    await teardownNode(this.dir);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
