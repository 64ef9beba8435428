import type { IssuerChoice } from '@kubectl-certs/core';
import { Args, Flags } from '@oclif/core';
import { policyFlags, policyOptions } from '../approve/policy-flags.ts';
import { BaseCommand } from '../base-command.ts';
import { parseDuration } from '../duration.ts';
import { LEGS, type Leg } from '../secure/legs.ts';
import { UserError } from '../user-error.ts';

// --deny has no place here: --apply approves what is safe and leaves the rest Pending.
const { deny: _deny, ...approvalFlags } = policyFlags;

export default class Secure extends BaseCommand {
  static override summary = 'Plan, and apply, TLS verification on both legs of metrics-server.';
  static override description =
    `Reads the cluster and shows what stands between metrics-server and verified TLS on its two legs, and what would change:
  - the kubelet leg: whether each kubelet would pass verification with the cluster CA (inspect-kubelet's verdicts), which kubelets must first ask for CA-signed certificates (serverTLSBootstrap: true, with kubeadm's steps), and the Deployment edit as a diff (the fixes of kubectl certs lint: --kubelet-certificate-authority, the kube-root-ca.crt mount, --kubelet-insecure-tls removed);
  - the APIService leg: what the v1beta1.metrics.k8s.io APIService lacks (caBundle, insecureSkipTLSVerify, a serving certificate from a CA) and the steps that give it.
It finds metrics-server by the labels of the release manifests (k8s-app=metrics-server) and of the Helm chart (app.kubernetes.io/name=metrics-server), in every namespace unless -n is given. Without --apply nothing is written: this is the plan.

--apply does both legs, each verified before the next (--leg chooses one). The kubelet leg: it approves what approve-serving finds safe among the pending kubelet-serving CSRs (the same policy and flags; undecided CSRs are never written), refuses while a kubelet would fail verification (unless --allow-unverified-nodes names it), then patches the Deployment by server-side apply under the field manager kubectl-certs (only the fields it changes), waits for the rollout, and waits until GET /apis/metrics.k8s.io/v1beta1/nodes through the API server lists every node. The APIService leg: a serving certificate for metrics-server (cert-manager's when it runs, else from a CA this command creates and keeps in a Secret only the approver's service account can read, in the approver's namespace: its Deployment is found by approver install's labels, --approver-namespace and --approver-name say where it is otherwise, and kubectl-certs is the default when there is none), the Secret mounted with --tls-cert-file/--tls-private-key-file, the APIService's caBundle and insecureSkipTLSVerify false; then the same check, whose answers must stay right for 10s (the aggregator answers with the old APIService for a moment). If a leg's rollout or check fails within --timeout, what that leg changed is put back as it was and the reason is given in the API server's words; so it is on SIGINT while it waits. It refuses a Deployment that Helm, Argo CD or Flux manages (use --print-values), and a field owned by another field manager (a 409 conflict) unless --force-conflicts. --dry-run=client prints the objects it would apply without sending anything; --dry-run=server sends them with dryRun=All and prints what the API server would store.

Exit status: 0 when both legs verify already (and with --print-values), and after --apply when what it changed rolled out and verified; 3 when something is to change or blocks it (also: a dry run with changes, a kubelet that would fail verification, a Deployment another tool manages); 4 when --apply rolled back (the rollout or the verification failed; everything it changed was put back); 5 when the roll-back itself failed (stderr says what is left); 1 on errors (none or several metrics-server found, several approvers found, RBAC: the missing permission, the API server, a field-manager conflict); 2 on usage errors.`;
  static override examples = [
    { description: 'The plan:', command: 'kubectl certs secure metrics-server' },
    {
      description: 'Apply the kubelet leg, verify it through the aggregator, roll back if it fails:',
      command: 'kubectl certs secure metrics-server --apply',
    },
    {
      description: 'The objects --apply would send, as YAML, without sending anything:',
      command: 'kubectl certs secure metrics-server --dry-run=client -o yaml',
    },
    {
      description: 'What the API server would store, nothing changed:',
      command: 'kubectl certs secure metrics-server --dry-run=server',
    },
    {
      description: 'A metrics-server of another name, as JSON:',
      command: 'kubectl certs secure metrics-server -n monitoring --name ms -o json',
    },
    {
      description: 'The same end state as Helm chart values, for a GitOps repository:',
      command: 'kubectl certs secure metrics-server --print-values > metrics-server-values.yaml',
    },
    {
      description: 'Apply although one node is not verified yet (metrics-server stops scraping it):',
      command: 'kubectl certs secure metrics-server --apply --allow-unverified-nodes worker-3',
    },
    {
      description:
        "cert-manager's CRDs are installed but its controller's Lease is stale (the plan says so), and you want cert-manager anyway:",
      command: 'kubectl certs secure metrics-server --apply --leg apiservice --issuer cert-manager',
    },
    {
      description: 'Our own CA although cert-manager runs:',
      command: 'kubectl certs secure metrics-server --apply --leg apiservice --issuer kubectl-certs',
    },
    {
      description: 'Only the APIService leg (the kubelets are not ready yet):',
      command: 'kubectl certs secure metrics-server --apply --leg apiservice',
    },
    {
      description:
        'The approver was installed with approver install -n certs-system --name approver (found by its labels; the flags say it when it is not installed yet):',
      command:
        'kubectl certs secure metrics-server --apply --leg apiservice --approver-namespace certs-system --approver-name approver',
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
    apply: Flags.boolean({
      description:
        'Do both legs (or the one --leg names), each verified through the aggregator and rolled back on failure: the kubelet leg (approve safe kubelet-serving CSRs, patch the Deployment by server-side apply, wait for its rollout), then the APIService leg (a serving certificate from a known CA, the caBundle, insecureSkipTLSVerify false).',
    }),
    'dry-run': Flags.string({
      description:
        'With --apply (or instead of it): client prints the objects it would apply and sends nothing; server sends them with dryRun=All; none writes.',
      options: ['none', 'client', 'server'],
      default: 'none',
    }),
    timeout: Flags.string({
      description:
        '--apply: how long to wait for each of: kubelets serving approved certificates, the rollout, the verification, a roll-back.',
      default: '5m',
    }),
    'force-conflicts': Flags.boolean({
      description:
        '--apply: take over fields another field manager owns (as kubectl apply --server-side --force-conflicts).',
    }),
    ...approvalFlags,
    leg: Flags.string({
      description: '--apply (and its dry runs): only this leg.',
      options: ['kubelet', 'apiservice'],
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
    issuer: Flags.string({
      description:
        "Where metrics-server's serving certificate comes from: auto uses cert-manager when its CRDs are installed and its controller and cainjector run (their leader-election Leases in kube-system, cert-manager-controller and cert-manager-cainjector-leader-election, renewed within their lease duration), else a CA this command creates; the plan says which and why. cert-manager uses it even when its Leases do not show it running; kubectl-certs always uses our CA.",
      // Core is loaded in run(), never for --help: its type keeps this list honest.
      options: ['auto', 'cert-manager', 'kubectl-certs'] satisfies IssuerChoice[],
      default: 'auto',
    }),
    'approver-namespace': Flags.string({
      description:
        "The approver's namespace, where --apply keeps the CA and grants its renewal (default: where approver install's Deployment is found, else kubectl-certs).",
    }),
    'approver-name': Flags.string({
      description:
        "The approver's name, as approver install --name (default: the one found, else kubectl-certs-approver).",
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
    if (flags['print-values'] && (flags.apply || flags['dry-run'] !== 'none'))
      throw new UserError('--print-values prints chart values: it does not go with --apply or --dry-run', 2);
    const dryRun = flags['dry-run'] as 'none' | 'client' | 'server';
    const interrupt = new AbortController();
    const apply =
      flags.apply || dryRun !== 'none'
        ? {
            legs: flags.leg ? [flags.leg as Leg] : LEGS,
            validity: {
              servingMs: parseDuration(flags['serving-validity'], '--serving-validity'),
              caMs: parseDuration(flags['ca-validity'], '--ca-validity'),
            },
            dryRun,
            forceConflicts: flags['force-conflicts'],
            policy: await policyOptions(flags),
            concurrency: flags.concurrency,
            waitMs: parseDuration(flags.timeout, '--timeout'),
            progress: (line: string) => process.stderr.write(`${line}\n`),
            signal: interrupt.signal,
          }
        : undefined;
    // The first SIGINT ends the waits and rolls back what was applied; a second one ends the process.
    if (apply && dryRun === 'none')
      process.on('SIGINT', () => {
        if (interrupt.signal.aborted) {
          process.stderr.write(
            'error: interrupted again: the roll-back was not finished; the plan (kubectl certs secure metrics-server) shows what is left\n',
          );
          process.exit(130);
        }
        process.stderr.write(
          'SIGINT: stopping; what --apply changed is rolled back (SIGINT again to quit at once)\n',
        );
        interrupt.abort();
      });
    const { secureMetricsServer } = await import('../secure/secure-metrics-server.ts');
    const { output, warnings, exitCode } = await secureMetricsServer({
      ...g,
      namespace: flags.namespace,
      name: flags.name,
      selector: flags.selector,
      approver: { namespace: flags['approver-namespace'], name: flags['approver-name'] },
      allowUnverifiedNodes: flags['allow-unverified-nodes'] ?? [],
      issuer: flags.issuer as IssuerChoice,
      kubeletTimeout: flags['kubelet-timeout'],
      printValues: flags['print-values'],
      apply,
    });
    if (warnings) process.stderr.write(warnings);
    process.stdout.write(output);
    if (exitCode) this.exit(exitCode);
  }
}
