import { Args, Flags } from '@oclif/core';
import { policyOptions } from '../approve/policy-flags.ts';
import { defaultInstallSettings } from '../approver/install-objects.ts';
import { leaseTimings, runFlags } from '../approver/run-flags.ts';
import { BaseCommand } from '../base-command.ts';
import { parseDuration } from '../duration.ts';
import { UserError } from '../user-error.ts';
import { keepYoungGenerationSmall, optimizeHeapForSize, optimizeHeapForSpeed } from '../young-generation.ts';

const INSTALL_DEFAULTS = defaultInstallSettings('VERSION');

/** Flags of install and of migrate; run's are in approver/run-flags.ts. */
const installFlags = {
  namespace: Flags.string({
    char: 'n',
    description: `Namespace of the approver (its Lease and Service too) (default: ${INSTALL_DEFAULTS.namespace}).`,
    helpGroup: 'INSTALL',
  }),
  name: Flags.string({
    description: `Name of every object install makes (default: ${INSTALL_DEFAULTS.name}).`,
    helpGroup: 'INSTALL',
  }),
  image: Flags.string({
    description: `Container image (default: the release's, ${INSTALL_DEFAULTS.image}).`,
    helpGroup: 'INSTALL',
  }),
  replicas: Flags.integer({
    description: `Replicas of the Deployment (default: ${INSTALL_DEFAULTS.replicas}).`,
    min: 1,
    helpGroup: 'INSTALL',
  }),
  'dry-run': Flags.string({
    description:
      'client: print the objects (-o yaml|json), send nothing; server: the API server validates every object and stores nothing; none: apply.',
    options: ['none', 'client', 'server'],
    default: 'none',
    helpGroup: 'INSTALL',
  }),
  'force-conflicts': Flags.boolean({
    description:
      'Take the fields another field manager owns (as kubectl apply --server-side --force-conflicts).',
    helpGroup: 'INSTALL',
  }),
};
const migrateFlags = {
  'from-kubelet-csr-approver': Flags.string({
    description: "kubelet-csr-approver's Helm values file (- for standard input).",
    helpGroup: 'MIGRATE',
  }),
};

type Action = 'run' | 'install' | 'migrate';
/** Which action each flag belongs to (the global flags belong to all). */
const FLAG_ACTION: Record<string, Action> = Object.fromEntries([
  ...Object.keys(runFlags).map((f) => [f, 'run'] as const),
  ...Object.keys(installFlags).map((f) => [f, 'install'] as const),
  ...Object.keys(migrateFlags).map((f) => [f, 'migrate'] as const),
]);

export default class Approver extends BaseCommand {
  static override summary =
    'Run the approver in the cluster (approver run), install it there (approver install), or map a kubelet-csr-approver setup to it (approver migrate).';
  static override description =
    `approver run: a long-running approver for kubelet serving CSRs, meant to run as a Deployment with 2 or more replicas. Every replica watches CSRs and Nodes; only the holder of a coordination.k8s.io/v1 Lease (leader election as client-go does it) decides and writes, with the checks of approve-serving. Every decision is recorded as an Event on the CSR (reasons KubectlCertsApproved, KubectlCertsRefused, KubectlCertsSuperseded; see kubectl describe csr). Of the pending CSRs of one node asking for the same names only the newest is decided (the older are superseded); a node with more than --max-pending-per-node pending requests has only its newest decided. It serves /metrics (Prometheus), /healthz and /readyz on --bind-address. SIGTERM releases the Lease (another replica takes over at once) and exits 0; losing the Lease exits 1.

approver install [-- RUN-FLAGS...]: applies the objects of deploy/base (Namespace, ServiceAccount, ClusterRole and binding, Roles for the Lease and for Events, a Deployment running approver run, PodDisruptionBudget, Service for /metrics) with server-side apply, field manager kubectl-certs. Flags after -- go to approver run in the pod (checked here first). The PodDisruptionBudget is policy/v1, or policy/v1beta1 where the server serves only that (before Kubernetes 1.21). It first checks every permission it needs (get and patch each object, create those not there yet) and applies nothing when one is missing. One line per object on stderr: created, configured or unchanged; a field owned by another field manager stops the install (409) and names the manager; --force-conflicts takes the field. -o yaml|json prints the objects install applies (as sent); with --dry-run=client it sends nothing (no kubeconfig needed); with --dry-run=server the API server validates each object and stores nothing (objects in a namespace that does not exist yet cannot be validated: it says so).

approver migrate --from-kubelet-csr-approver values.yaml: reads kubelet-csr-approver's Helm values (providerRegex, providerIpPrefixes, maxExpirationSeconds, bypassDnsResolution, ignoreNonSystemNode, allowedDnsNames, bypassHostnameCheck, skipDenyStep), prints the equivalent approver run command and, per setting, whether ours behaves the same or is stricter. It reads no cluster.

Exit status: 0 when stopped by SIGINT/SIGTERM (run), when every object was applied or validated (install), or when the values were mapped (migrate); 1 on errors: for install, a missing permission (nothing applied), a conflict with another field manager, an object the API server finds invalid, an API server that is unreachable or does not answer within --request-timeout (the error says which objects were applied and which not); for run, also when leadership was lost; 2 on usage errors (nothing is sent).`;
  static override examples = [
    {
      description:
        'Run it with the defaults of client-go leader election (15s lease, 10s renew deadline, 2s retry):',
      command: 'kubectl certs approver run --lease-namespace kube-system',
    },
    {
      description: 'Install it in the cluster (namespace kubectl-certs, two replicas of the release image):',
      command: 'kubectl certs approver install',
    },
    {
      description: 'Install it with flags for approver run (after --), from your own registry:',
      command:
        "kubectl certs approver install --image registry.example/kubectl-certs:v1 -- --deny --node-name-pattern 'worker-\\d+'",
    },
    {
      description: 'What it would apply, without a cluster (the same objects as deploy/base):',
      command: 'kubectl certs approver install --dry-run=client -o yaml',
    },
    {
      description: 'Every object validated by the API server, nothing stored:',
      command: 'kubectl certs approver install --dry-run=server',
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
  static override usage = [
    'approver run [RUN FLAGS]',
    'approver install [INSTALL FLAGS] [-- RUN FLAGS...]',
    'approver migrate --from-kubelet-csr-approver VALUES.yaml',
  ];
  // install takes approver run's flags after --.
  static override strict = false;
  static override args = {
    action: Args.string({
      description:
        'run: the approver; install: apply it to the cluster; migrate: map a kubelet-csr-approver values file.',
      options: ['run', 'install', 'migrate'],
      required: true,
    }),
  };
  static override flags = { ...runFlags, ...installFlags, ...migrateFlags };

  async run(): Promise<void> {
    const { flags, args, argv, raw } = await this.parse(Approver);
    const action = args.action as Action;
    checkFlagsBelongTo(action, raw);
    const extra = argv.slice(1) as string[];
    if (action !== 'install' && extra.length)
      throw new UserError(`approver ${action} takes no more arguments: ${extra.join(' ')}`, 2);
    const g = this.globals(flags);
    if (action === 'migrate') return migrate(this, flags['from-kubelet-csr-approver'], g.output);
    if (action === 'install') {
      const { install } = await import('../approver/install-command.ts');
      return install(
        {
          namespace: flags.namespace,
          name: flags.name,
          image: flags.image,
          replicas: flags.replicas,
          runArgs: extra,
          dryRun: flags['dry-run'] as 'none' | 'client' | 'server',
          force: flags['force-conflicts'],
          version: this.config.version,
        },
        g,
        (line) => this.log(line),
      );
    }
    keepYoungGenerationSmall(); // it lists every CSR and Node, then idles: no young generation left grown
    const lease = leaseTimings(flags);
    const options = await policyOptions(flags);
    const { loadKubeConfig } = await import('../kube/kubeconfig.ts');
    const { runApprover } = await import('../approver/approver.ts');
    const { renderWatchItem } = await import('../approve/report.ts');
    const { DEFAULT_TUNING } = await import('../approve/watch-decider.ts');
    const { defaultIdentity, defaultLeaseNamespace, ownNamespace } = await import('../approver/identity.ts');
    const { HeapMode } = await import('../approver/heap-mode.ts');
    // From here its modules are compiled: the heap is kept small while idle (approver/heap-mode.ts).
    const heap = new HeapMode((goal) => (goal === 'size' ? optimizeHeapForSize() : optimizeHeapForSpeed()));
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
      servingRenewal: {
        intervalMs: parseDuration(
          flags['metrics-server-renewal-interval'],
          '--metrics-server-renewal-interval',
        ),
        // The CA Secret is in the approver's own namespace (the pod's), where secure metrics-server finds it.
        namespace: ownNamespace(flags['lease-namespace']),
        validity: {
          servingMs: parseDuration(
            flags['metrics-server-serving-validity'],
            '--metrics-server-serving-validity',
          ),
          caMs: parseDuration(flags['metrics-server-ca-validity'], '--metrics-server-ca-validity'),
        },
        settleMs: parseDuration(flags['metrics-server-settle'], '--metrics-server-settle'),
        timeoutMs: g.timeoutMs,
      },
      signal: stop.signal,
      heap,
      log: (line) => process.stderr.write(`${line}\n`),
      onItem: (item) => {
        // Written as it is: console.log's formatting took about a twentieth of the approver's CPU in a burst.
        process.stdout.write(`${renderWatchItem(item, g.output, new Date(), first)}\n`);
        first = false;
      },
    });
    if (outcome === 'lost') throw new UserError('lost the Lease: stopping so that another replica leads');
    process.stderr.write('stopped\n');
  }
}

/** A flag of another action is a usage error (they share one class, see docs/approver.md). */
function checkFlagsBelongTo(action: Action, raw: readonly { type: string; flag?: string }[]): void {
  for (const r of raw) {
    const owner = r.type === 'flag' && r.flag ? FLAG_ACTION[r.flag] : undefined;
    if (!owner || owner === action) continue;
    const hint =
      action === 'install' && owner === 'run'
        ? ` (pass approver run's flags after --: approver install -- --${r.flag} ...)`
        : '';
    throw new UserError(`--${r.flag} goes with approver ${owner}, not approver ${action}${hint}`, 2);
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
