import { existsSync } from 'node:fs';
import { Flags } from '@oclif/core';
import { BaseCommand } from '../base-command.ts';
import { parseDuration } from '../duration.ts';
import { renderData } from '../output.ts';
import { UserError } from '../user-error.ts';
import { keepYoungGenerationSmall } from '../young-generation.ts';

export const EXIT_EXPIRING = 3;
export const EXIT_EXPIRED = 4;

export default class CheckExpiration extends BaseCommand {
  static override summary =
    'Show when certificates expire: the whole cluster, or a kubeadm PKI folder (--cert-dir).';
  static override description =
    `Without --cert-dir, scans what kubeadm cannot see from one node: every Node's kubelet serving certificate (read from its endpoint), the API server's serving certificate, the cluster CA in kube-root-ca.crt, every APIService caBundle, the certificates of issued kubelet CSRs, metrics-server's serving certificate and its CA when secure metrics-server --apply made them, and with --secrets every kubernetes.io/tls Secret, in one table sorted by residual time. An unreachable kubelet is a row with its error; the others are still read.

With --cert-dir (a kubeadm control-plane node's /etc/kubernetes/pki), prints the same report as "kubeadm certs check-expiration": the certificates and the kubeconfig client certificates beside the folder, then the CAs; a CA without its key is externally managed. -o json|yaml gives kubeadm's CertificateExpirationInfo (output.kubeadm.k8s.io/v1alpha3).

Exit status: 0, or 3 when something expires within --warn-within, 4 when something has expired, 1 on errors.`;
  static override examples = [
    {
      description: 'Everything in the cluster, soonest expiry first:',
      command: 'kubectl certs check-expiration --secrets',
    },
    {
      description: 'On a control-plane node, like kubeadm:',
      command: 'kubectl certs check-expiration --cert-dir /etc/kubernetes/pki',
    },
    {
      description: 'In a CronJob or script: fail when anything expires within 30 days:',
      command: 'kubectl certs check-expiration --warn-within 30d',
    },
  ];
  static override flags = {
    'cert-dir': Flags.string({
      description: "A kubeadm PKI folder (kubeadm's default: /etc/kubernetes/pki).",
    }),
    'kubeconfig-dir': Flags.string({
      description:
        'With --cert-dir: where admin.conf, controller-manager.conf, ... are (default: the folder above).',
    }),
    'warn-within': Flags.string({
      description: `Exit ${EXIT_EXPIRING} when anything expires within this duration (e.g. 30d).`,
    }),
    secrets: Flags.boolean({
      description: 'Cluster mode: also read every kubernetes.io/tls Secret (needs list secrets).',
    }),
    'preferred-address-types': Flags.string({
      description: "Cluster mode: node address types in metrics-server's order.",
      default: 'InternalIP,ExternalIP,Hostname',
    }),
    'kubelet-timeout': Flags.string({
      description: 'Cluster mode: how long to wait for each kubelet.',
      default: '5s',
    }),
    concurrency: Flags.integer({
      description: 'Cluster mode: kubelets read at once.',
      default: 32,
      min: 1,
      max: 512,
    }),
  };

  async run(): Promise<void> {
    keepYoungGenerationSmall();
    const { flags } = await this.parse(CheckExpiration);
    const g = this.globals(flags);
    const warnMs = flags['warn-within'] ? parseDuration(flags['warn-within'], '--warn-within') : undefined;
    const certDir = flags['cert-dir'];
    const residuals = certDir
      ? await this.local(certDir, flags['kubeconfig-dir'], g.output)
      : await this.cluster(flags, g);
    if (residuals.some((s) => s < 0)) process.exitCode = EXIT_EXPIRED;
    else if (warnMs !== undefined && residuals.some((s) => s * 1000 < warnMs))
      process.exitCode = EXIT_EXPIRING;
  }

  /** kubeadm's report of a local PKI folder; returns the residual seconds of what is present. */
  private async local(
    certDir: string,
    kubeconfigDir: string | undefined,
    output: 'table' | 'json' | 'yaml',
  ): Promise<number[]> {
    if (!existsSync(certDir)) throw new UserError(`--cert-dir ${certDir} does not exist`);
    const { kubeadmExpiration, renderKubeadmTables } = await import('@kubectl-certs/core');
    const { readKubeadmPki } = await import('../expiration/kubeadm-pki.ts');
    const { leaves, cas } = readKubeadmPki(certDir, kubeconfigDir);
    const info = kubeadmExpiration(leaves, cas, new Date());
    this.log(output === 'table' ? renderKubeadmTables(info) : renderData(info, output));
    return [...info.certificates, ...info.certificateAuthorities]
      .filter((c) => !c.missing)
      .map((c) => c.residualTime);
  }

  /** Everything visible through the API server and the nodes' kubelet endpoints. */
  private async cluster(
    flags: {
      secrets: boolean;
      'preferred-address-types': string;
      'kubelet-timeout': string;
      concurrency: number;
    },
    g: ReturnType<BaseCommand['globals']>,
  ): Promise<number[]> {
    const { loadKubeConfig } = await import('../kube/kubeconfig.ts');
    const { scanCluster } = await import('../expiration/cluster-scan.ts');
    const { clusterExpiryRows } = await import('@kubectl-certs/core');
    const { renderClusterRows } = await import('../expiration/cluster-table.ts');
    const { kc } = loadKubeConfig(g);
    const progress = process.stderr.isTTY
      ? (d: number, n: number) => process.stderr.write(`\r\x1b[Kreading kubelets ${d}/${n}`)
      : undefined;
    const { found, cas } = await scanCluster(kc, {
      preferredAddressTypes: flags['preferred-address-types']
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
      secrets: flags.secrets,
      kubeletTimeoutMs: parseDuration(flags['kubelet-timeout'], '--kubelet-timeout'),
      timeoutMs: g.timeoutMs,
      concurrency: flags.concurrency,
      ...(progress ? { progress } : {}),
    });
    if (progress) process.stderr.write('\r\x1b[K');
    const rows = await clusterExpiryRows(found, cas, new Date());
    this.log(renderClusterRows(rows, g.output));
    return rows.flatMap((r) => (r.residualSeconds === undefined ? [] : [r.residualSeconds]));
  }
}
