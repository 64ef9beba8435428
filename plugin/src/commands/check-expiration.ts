import { existsSync } from 'node:fs';
import { Flags } from '@oclif/core';
import { BaseCommand } from '../base-command.ts';
import { parseDuration } from '../duration.ts';
import { UserError } from '../user-error.ts';

export const EXIT_EXPIRING = 3;
export const EXIT_EXPIRED = 4;

export default class CheckExpiration extends BaseCommand {
  static override summary =
    'Show when certificates expire: a kubeadm PKI folder (--cert-dir), or the whole cluster.';
  static override description =
    `With --cert-dir (a kubeadm control-plane node's /etc/kubernetes/pki), prints the same report as "kubeadm certs check-expiration": the certificates and the kubeconfig client certificates beside the folder, then the CAs; a CA without its key is externally managed. -o json|yaml gives kubeadm's CertificateExpirationInfo (output.kubeadm.k8s.io/v1alpha3).

Exit status: 0, or 3 when something expires within --warn-within, 4 when something has expired, 1 on errors.`;
  static override examples = [
    {
      description: 'On a control-plane node, like kubeadm:',
      command: 'kubectl certs check-expiration --cert-dir /etc/kubernetes/pki',
    },
    {
      description: 'In a CronJob or script: fail when anything expires within 30 days:',
      command: 'kubectl certs check-expiration --cert-dir /etc/kubernetes/pki --warn-within 30d',
    },
  ];
  static override flags = {
    'cert-dir': Flags.string({
      description: "A kubeadm PKI folder (kubeadm's default: /etc/kubernetes/pki).",
    }),
    'kubeconfig-dir': Flags.string({
      description:
        'Where admin.conf, controller-manager.conf, ... are (default: the folder above --cert-dir).',
    }),
    'warn-within': Flags.string({
      description: `Exit ${EXIT_EXPIRING} when anything expires within this duration (e.g. 30d).`,
    }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(CheckExpiration);
    const g = this.globals(flags);
    const warnMs = flags['warn-within'] ? parseDuration(flags['warn-within'], '--warn-within') : undefined;
    const certDir = flags['cert-dir'];
    if (!certDir)
      throw new UserError(
        'pass --cert-dir (for example /etc/kubernetes/pki); the cluster-wide scan is not available yet',
        2,
      );
    if (!existsSync(certDir)) throw new UserError(`--cert-dir ${certDir} does not exist`);
    const { kubeadmExpiration, renderKubeadmTables } = await import('@kubectl-certs/core');
    const { readKubeadmPki } = await import('../expiration/kubeadm-pki.ts');
    const { leaves, cas } = readKubeadmPki(certDir, flags['kubeconfig-dir']);
    const info = kubeadmExpiration(leaves, cas, new Date());
    if (g.output === 'table') this.log(renderKubeadmTables(info));
    else {
      const { renderData } = await import('../output.ts');
      this.log(renderData(info, g.output));
    }
    const present = [...info.certificates, ...info.certificateAuthorities].filter((c) => !c.missing);
    if (present.some((c) => c.residualTime < 0)) process.exitCode = EXIT_EXPIRED;
    else if (warnMs !== undefined && present.some((c) => c.residualTime * 1000 < warnMs))
      process.exitCode = EXIT_EXPIRING;
  }
}
