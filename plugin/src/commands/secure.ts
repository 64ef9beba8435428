import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../base-command.ts';
import { parseDuration } from '../duration.ts';
import type { DryRun } from '../kube/server-side-apply.ts';
import { UserError } from '../user-error.ts';

export default class Secure extends BaseCommand {
  static override summary = 'Plan how to turn on TLS verification on both legs of metrics-server.';
  static override description =
    `Reads the cluster and shows what stands between metrics-server and verified TLS on its two legs, and what would change:
  - the kubelet leg: whether each kubelet would pass verification with the cluster CA (inspect-kubelet's verdicts), which kubelets must first ask for CA-signed certificates (serverTLSBootstrap: true, with kubeadm's steps), and the Deployment edit as a diff (the fixes of kubectl certs lint: --kubelet-certificate-authority, the kube-root-ca.crt mount, --kubelet-insecure-tls removed);
  - the APIService leg: what the v1beta1.metrics.k8s.io APIService lacks (caBundle, insecureSkipTLSVerify, a serving certificate from a CA) and the steps that give it.
It finds metrics-server by the labels of the release manifests (k8s-app=metrics-server) and of the Helm chart (app.kubernetes.io/name=metrics-server), in every namespace unless -n is given. Nothing is written: this is the plan.

With --apply it applies the APIService leg, then asks GET /apis/metrics.k8s.io/v1beta1/nodes through the API server until it lists every node (--verify-timeout); if it does not, everything it changed is put back and the aggregator's words are quoted.

Exit status: 0 when both legs verify already (and with --print-values, and after an --apply that verified), 3 when something is to change or blocks it, 1 on errors (none or several metrics-server found, RBAC, the API server, an --apply that did not verify and was rolled back).`;
  static override examples = [
    { description: 'The plan:', command: 'kubectl certs secure metrics-server' },
    {
      description: 'A metrics-server of another name, as JSON:',
      command: 'kubectl certs secure metrics-server -n monitoring --name ms -o json',
    },
    {
      description: 'The same end state as Helm chart values, for a GitOps repository:',
      command: 'kubectl certs secure metrics-server --print-values > metrics-server-values.yaml',
    },
    {
      description: 'Give metrics-server a verified serving certificate, and check it through the aggregator:',
      command: 'kubectl certs secure metrics-server --apply',
    },
    {
      description: 'What --apply would write, validated by the API server:',
      command: 'kubectl certs secure metrics-server --apply --dry-run=server -o yaml',
    },
    {
      description: 'Accept that one node is not verified yet:',
      command: 'kubectl certs secure metrics-server --allow-unverified-nodes worker-3',
    },
  ];
  static override args = {
    target: Args.string({ description: 'What to secure.', required: true, options: ['metrics-server'] }),
  };
  static override flags = {
    namespace: Flags.string({
      char: 'n',
      description: "metrics-server's namespace (default: look in every namespace).",
    }),
    name: Flags.string({ description: "metrics-server's Deployment name." }),
    selector: Flags.string({
      char: 'l',
      description: 'Label selector for the Deployment (instead of the default labels).',
    }),
    'allow-unverified-nodes': Flags.string({
      description: 'Nodes whose kubelets may fail verification (comma-separated, repeatable).',
      multiple: true,
      delimiter: ',',
    }),
    'kubelet-timeout': Flags.string({ description: 'How long to wait for each kubelet.', default: '5s' }),
    // --- --apply of the APIService leg (issue 15 point 3); the kubelet leg's is on branch secure-apply.
    apply: Flags.boolean({
      description:
        "Apply the APIService leg: a serving certificate for metrics-server (cert-manager's, or from a CA this creates), mounted with --tls-cert-file/--tls-private-key-file, and the APIService's caBundle with insecureSkipTLSVerify false; then verify through the aggregator, or put everything back.",
    }),
    'dry-run': Flags.string({
      description:
        'With --apply: client prints what would change, server has the API server validate it; nothing is written.',
      options: ['none', 'client', 'server'],
      default: 'none',
    }),
    'verify-timeout': Flags.string({
      description:
        'With --apply: how long to wait for the metrics API to list every node before putting things back.',
      default: '2m',
    }),
    'serving-validity': Flags.string({
      description:
        "With --apply: lifetime of metrics-server's serving certificate (the approver renews it at two thirds).",
      default: '365d',
    }),
    'ca-validity': Flags.string({
      description: 'With --apply: lifetime of the CA it creates (the approver rotates it at two thirds).',
      default: '3650d',
    }),
    'print-values': Flags.boolean({
      description:
        'Print the metrics-server Helm chart values that give the same end state (for a Helm release, or an Argo CD or Flux source) instead of the plan; kubelets that would fail are warned about on stderr.',
    }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Secure);
    const g = this.globals(flags);
    if (flags.name && flags.selector) throw new UserError('--name and --selector do not go together', 2);
    const { secureMetricsServer } = await import('../secure/secure-metrics-server.ts');
    const { output, warnings, exitCode } = await secureMetricsServer({
      ...g,
      namespace: flags.namespace,
      name: flags.name,
      selector: flags.selector,
      allowUnverifiedNodes: flags['allow-unverified-nodes'] ?? [],
      kubeletTimeout: flags['kubelet-timeout'],
      printValues: flags['print-values'],
      apply: flags.apply,
      dryRun: flags['dry-run'] as DryRun,
      verifyWaitMs: parseDuration(flags['verify-timeout'], '--verify-timeout'),
      validity: {
        servingMs: parseDuration(flags['serving-validity'], '--serving-validity'),
        caMs: parseDuration(flags['ca-validity'], '--ca-validity'),
      },
    });
    if (warnings) process.stderr.write(warnings);
    process.stdout.write(output);
    if (exitCode) this.exit(exitCode);
  }
}
