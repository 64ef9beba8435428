import { Args, Flags } from '@oclif/core';
import { policyFlags, policyOptions, recheckFlags } from '../approve/policy-flags.ts';
import { BaseCommand } from '../base-command.ts';
import { parseDuration } from '../duration.ts';
import { UserError } from '../user-error.ts';
import { keepYoungGenerationSmall } from '../young-generation.ts';

export default class ApproveServing extends BaseCommand {
  static override summary =
    'Approve kubelet serving CSRs that really belong to their node; explain every decision.';
  static override description =
    `Decides pending kubernetes.io/kubelet-serving CertificateSigningRequests: a CSR is approved only when it was filed by the node it names (system:node:<name> in system:nodes), its subject is exactly that node, its key and usages are a serving set, and every DNS and IP SAN is an address of that Node and of no other. Anything else is refused with its reason and left Pending (or marked Denied with --deny). CSRs of other signers are never touched.

When its own input is missing (Nodes could not be listed: a 5xx, 403 or timeout; a check that throws; a DNS lookup with no answer under --resolve-dns), a CSR is "Undecided": neither approved nor refused, never written (not even with --deny). --watch asks again with backoff, and evaluates a CSR refused because its Node was not there yet (or had no addresses yet) again when that Node changes.

Exit status: 0 when nothing was refused, 3 when at least one CSR was refused, 4 when at least one could not be decided now (run it again), 1 on errors.`;
  static override examples = [
    {
      description: 'Decide the CSRs of one node and show why, without writing:',
      command: 'kubectl certs approve-serving --node worker-1 --dry-run',
    },
    {
      description: 'Approve every safe pending serving CSR; deny the rest:',
      command: 'kubectl certs approve-serving --all --deny',
    },
    {
      description: 'Decide named CSRs, every check as YAML:',
      command: 'kubectl certs approve-serving csr-7qcz2 csr-bm5mc -o yaml',
    },
    {
      description: "Like kubelet-csr-approver's providerRegex and providerIpPrefixes:",
      command:
        "kubectl certs approve-serving --all --node-name-pattern 'worker-\\d+' --allowed-ip-ranges 10.0.0.0/8",
    },
  ];
  static override strict = false;
  static override args = { csr: Args.string({ description: 'Names of CSRs to decide.' }) };
  static override flags = {
    node: Flags.string({ description: 'Decide the CSRs filed by this node (repeatable).', multiple: true }),
    all: Flags.boolean({ description: 'Decide every pending kubelet-serving CSR.' }),
    'dry-run': Flags.boolean({ description: 'Decide and report; write nothing.' }),
    ...policyFlags,
    'show-ignored': Flags.boolean({
      description: 'Also list CSRs that are not ours to decide (other signers, already decided).',
    }),
    watch: Flags.boolean({
      char: 'w',
      description: 'Keep running: decide CSRs as they arrive (with --all or --node) until SIGINT/SIGTERM.',
    }),
    ...recheckFlags,
  };

  async run(): Promise<void> {
    keepYoungGenerationSmall();
    const { flags, argv } = await this.parse(ApproveServing);
    const g = this.globals(flags);
    const names = argv as string[];
    const modes = [names.length > 0, (flags.node?.length ?? 0) > 0, flags.all].filter(Boolean).length;
    if (modes !== 1) throw new UserError('say which CSRs to decide: CSR names, --node NAME, or --all', 2);
    if (flags.watch && names.length)
      throw new UserError(
        '--watch decides CSRs as they arrive: use it with --all or --node, not CSR names',
        2,
      );
    const options = await policyOptions(flags);
    const { loadKubeConfig } = await import('../kube/kubeconfig.ts');
    const { approveServing } = await import('../approve/approve-serving.ts');
    const { reportChunks, summary, exitCode } = await import('../approve/report.ts');
    const { DEFAULT_TUNING } = await import('../approve/watch-decider.ts');
    const { kc } = loadKubeConfig(g);
    const selection = { names, nodes: flags.node ?? [], all: flags.all };
    const settings = {
      selection,
      dryRun: flags['dry-run'],
      deny: flags.deny,
      showIgnored: false,
      options,
      timeoutMs: g.timeoutMs,
      concurrency: flags.concurrency,
    };
    if (flags.watch)
      return watchMode(kc, settings, g.output, {
        ...DEFAULT_TUNING,
        recheckWindowMs: parseDuration(flags['recheck-window'], '--recheck-window'),
        recheckMax: flags['recheck-max'],
      });
    const progress = process.stderr.isTTY
      ? (label: string, done: number) => process.stderr.write(`\r\x1b[K${label}: ${done}`)
      : undefined;
    const items = await approveServing(kc, {
      ...settings,
      showIgnored: flags['show-ignored'],
      ...(progress ? { progress } : {}),
    });
    if (progress) process.stderr.write('\r\x1b[K');
    for (const chunk of reportChunks(items, g.output, new Date(), flags['dry-run']))
      process.stdout.write(chunk);
    if (g.output === 'table' && items.length)
      process.stderr.write(
        `${summary(items, flags['dry-run'])}${flags['dry-run'] ? ' (dry run: nothing written)' : ''}\n`,
      );
    process.exitCode = exitCode(items);
  }
}

/** --watch: one line (or JSON/YAML document) per decision, as it is made; stops cleanly on a signal. */
async function watchMode(
  kc: import('@kubernetes/client-node').KubeConfig,
  settings: import('../approve/settings.ts').ApproveSettings,
  output: 'table' | 'json' | 'yaml',
  tuning: import('../approve/watch-decider.ts').WatchTuning,
): Promise<void> {
  const { watchAndDecide } = await import('../approve/watch.ts');
  const { renderWatchItem } = await import('../approve/report.ts');
  const stop = new AbortController();
  const onSignal = (sig: string) => {
    process.stderr.write(`${sig}: stopping\n`);
    stop.abort();
  };
  process.once('SIGINT', () => onSignal('SIGINT'));
  process.once('SIGTERM', () => onSignal('SIGTERM'));
  let first = true;
  await watchAndDecide(kc, {
    ...settings,
    tuning,
    signal: stop.signal,
    log: (line) => process.stderr.write(`${line}\n`),
    onItem: (item) => {
      process.stdout.write(`${renderWatchItem(item, output, new Date(), first)}\n`);
      first = false;
    },
  });
  process.stderr.write('stopped\n');
}
