import { Args, Flags } from '@oclif/core';
import { policyFlags, policyOptions, recheckFlags } from '../approve/policy-flags.ts';
import { BaseCommand } from '../base-command.ts';
import { parseDuration } from '../duration.ts';
import { UserError } from '../user-error.ts';
import { keepYoungGenerationSmall } from '../young-generation.ts';

export default class Approver extends BaseCommand {
  static override summary =
    'Run the approver in the cluster (approver run), or map a kubelet-csr-approver setup to it (approver migrate).';
  // migrate: prints our equivalent of a kubelet-csr-approver Helm values file, and where ours is stricter.
  static override description =
    `approver run: a long-running approver for kubelet serving CSRs, meant to run as a Deployment with 2 or more replicas. Every replica watches CSRs and Nodes; only the holder of a coordination.k8s.io/v1 Lease (leader election as client-go does it) decides and writes, with the checks of approve-serving. Every decision is recorded as an Event on the CSR (reasons KubectlCertsApproved, KubectlCertsRefused, KubectlCertsSuperseded; see kubectl describe csr). Of the pending CSRs of one node asking for the same names only the newest is decided (the older are superseded); a node with more than --max-pending-per-node pending requests has only its newest decided. It serves /metrics (Prometheus), /healthz and /readyz on --bind-address. SIGTERM releases the Lease (another replica takes over at once) and exits 0; losing the Lease exits 1.

approver migrate --from-kubelet-csr-approver values.yaml: reads kubelet-csr-approver's Helm values (providerRegex, providerIpPrefixes, maxExpirationSeconds, bypassDnsResolution, ignoreNonSystemNode, allowedDnsNames, bypassHostnameCheck, skipDenyStep), prints the equivalent approver run command and, per setting, whether ours behaves the same or is stricter. It reads no cluster.

Exit status: 0 when stopped by SIGINT/SIGTERM (run) or when the values were mapped (migrate), 1 on errors or when leadership was lost, 2 on usage errors.`;
  static override examples = [
    {
      description:
        'Run it with the defaults of client-go leader election (15s lease, 10s renew deadline, 2s retry):',
      command: 'kubectl certs approver run --lease-namespace kube-system',
    },
    {
      description: "What to run instead of kubelet-csr-approver's Helm release, and where ours is stricter:",
      command: 'kubectl certs approver migrate --from-kubelet-csr-approver values.yaml',
    },
    {
      description: 'As kubelet-csr-approver with providerRegex and providerIpPrefixes:',
      command:
        "kubectl certs approver run --node-name-pattern 'worker-\\d+' --allowed-ip-ranges 10.0.0.0/8 --deny",
    },
  ];
  static override args = {
    action: Args.string({
      description: 'run: the approver; migrate: map a kubelet-csr-approver values file.',
      options: ['run', 'migrate'],
      required: true,
    }),
  };
  static override flags = {
    ...policyFlags,
    ...recheckFlags,
    'lease-namespace': Flags.string({
      description: "Namespace of the Lease (default: $POD_NAMESPACE, the pod's namespace, else default).",
    }),
    'lease-name': Flags.string({ description: 'Name of the Lease.', default: 'kubectl-certs-approver' }),
    identity: Flags.string({ description: "This replica's holderIdentity (default: hostname_<random>)." }),
    'leader-elect-lease-duration': Flags.string({
      description: 'How long followers wait after the last renewal before taking over.',
      default: '15s',
    }),
    'leader-elect-renew-deadline': Flags.string({
      description: 'How long the leader keeps trying to renew before it stops leading.',
      default: '10s',
    }),
    'leader-elect-retry-period': Flags.string({
      description: 'Time between tries to acquire or renew.',
      default: '2s',
    }),
    'bind-address': Flags.string({
      description: 'host:port serving /metrics, /healthz and /readyz.',
      default: ':8080',
    }),
    'max-pending-per-node': Flags.integer({
      description: 'Most distinct pending requests of one node decided at once (a flood stops there).',
      default: 5,
      min: 1,
    }),
    'deny-superseded': Flags.boolean({
      description: 'Mark superseded CSRs (an older request of a node for the same names) Denied.',
    }),
    'kubelet-probe-interval': Flags.string({
      description:
        "How often the leader reads each kubelet's serving certificate over TLS, for the self-signed metric (0: never).",
      default: '5m',
    }),
    'kubelet-probe-concurrency': Flags.integer({
      description: 'Kubelets probed at once.',
      default: 8,
      min: 1,
      max: 256,
    }),
    'from-kubelet-csr-approver': Flags.string({
      description: "migrate: kubelet-csr-approver's Helm values file (- for standard input).",
    }),
  };

  async run(): Promise<void> {
    const { flags, args } = await this.parse(Approver);
    const g = this.globals(flags);
    if (args.action === 'migrate') return migrate(this, flags['from-kubelet-csr-approver'], g.output);
    if (flags['from-kubelet-csr-approver'])
      throw new UserError('--from-kubelet-csr-approver goes with approver migrate, not approver run', 2);
    keepYoungGenerationSmall(); // it lists every CSR and Node, then idles: no young generation left grown
    const lease = {
      leaseDurationMs: parseDuration(flags['leader-elect-lease-duration'], '--leader-elect-lease-duration'),
      renewDeadlineMs: parseDuration(flags['leader-elect-renew-deadline'], '--leader-elect-renew-deadline'),
      retryPeriodMs: parseDuration(flags['leader-elect-retry-period'], '--leader-elect-retry-period'),
    };
    if (!(lease.leaseDurationMs > lease.renewDeadlineMs && lease.renewDeadlineMs > lease.retryPeriodMs * 1.2))
      throw new UserError(
        'leader election needs --leader-elect-lease-duration > --leader-elect-renew-deadline > 1.2 x --leader-elect-retry-period (as client-go)',
        2,
      );
    const options = await policyOptions(flags);
    const { loadKubeConfig } = await import('../kube/kubeconfig.ts');
    const { runApprover } = await import('../approver/approver.ts');
    const { renderWatchItem } = await import('../approve/report.ts');
    const { DEFAULT_TUNING } = await import('../approve/watch-decider.ts');
    const { defaultIdentity, defaultLeaseNamespace } = await import('../approver/identity.ts');
    const { kc } = loadKubeConfig(g);
    const stop = new AbortController();
    for (const sig of ['SIGINT', 'SIGTERM'] as const)
      process.once(sig, () => {
        process.stderr.write(`${sig}: stopping\n`);
        stop.abort();
      });
    let first = true;
    const outcome = await runApprover(kc, {
      selection: { names: [], nodes: [], all: true },
      dryRun: false,
      deny: flags.deny,
      showIgnored: false,
      options,
      timeoutMs: g.timeoutMs,
      concurrency: flags.concurrency,
      tuning: {
        ...DEFAULT_TUNING,
        recheckWindowMs: parseDuration(flags['recheck-window'], '--recheck-window'),
        recheckMax: flags['recheck-max'],
      },
      lease: {
        namespace: flags['lease-namespace'] ?? defaultLeaseNamespace(),
        name: flags['lease-name'],
        identity: flags.identity ?? defaultIdentity(),
        ...lease,
      },
      httpAddress: flags['bind-address'],
      maxPendingPerNode: flags['max-pending-per-node'],
      denySuperseded: flags['deny-superseded'],
      kubeletProbe: {
        intervalMs: parseDuration(flags['kubelet-probe-interval'], '--kubelet-probe-interval'),
        concurrency: flags['kubelet-probe-concurrency'],
        timeoutMs: Math.min(g.timeoutMs || 5_000, 5_000),
      },
      signal: stop.signal,
      log: (line) => process.stderr.write(`${line}\n`),
      onItem: (item) => {
        this.log(renderWatchItem(item, g.output, new Date(), first));
        first = false;
      },
    });
    if (outcome === 'lost') throw new UserError('lost the Lease: stopping so that another replica leads');
    process.stderr.write('stopped\n');
  }
}

async function migrate(
  cmd: Approver,
  file: string | undefined,
  output: 'table' | 'json' | 'yaml',
): Promise<void> {
  if (!file) throw new UserError('approver migrate needs --from-kubelet-csr-approver VALUES.yaml', 2);
  const { readFileSync } = await import('node:fs');
  const { migrateFromKubeletCsrApprover, MigrationError } = await import('../approver/migrate.ts');
  const { renderMigration } = await import('../approver/migration-report.ts');
  let text: string;
  try {
    text = readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (e) {
    throw new UserError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    cmd.log(
      renderMigration(migrateFromKubeletCsrApprover(text, file === '-' ? 'standard input' : file), output),
    );
  } catch (e) {
    if (e instanceof MigrationError) throw new UserError(e.message);
    throw e;
  }
}
