import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../base-command.ts';
import { parseDuration } from '../duration.ts';
import { UserError } from '../user-error.ts';
import { keepYoungGenerationSmall } from '../young-generation.ts';

export default class InspectKubelet extends BaseCommand {
  static override summary =
    'Say whether a client that trusts the cluster CA (like metrics-server) can verify a kubelet, and why not.';
  static override description =
    `Reads the serving certificate from the kubelet's endpoint (the node address metrics-server would dial, on status.daemonEndpoints.kubeletEndpoint.Port), checks it the way Go's TLS client does (validity, then the address, then the chain to the CA) and reproduces the error metrics-server would log. Also reads serverTLSBootstrap and rotateCertificates from the kubelet's /configz through the API server (needs nodes/proxy) and lists the node's pending serving CSRs, then gives numbered steps to fix what was found.

Exit status: 0 when every kubelet verifies, 3 when one does not, 1 on errors.`;
  static override examples = [
    { description: 'One node:', command: 'kubectl certs inspect-kubelet worker-1' },
    { description: 'Every node, as JSON:', command: 'kubectl certs inspect-kubelet --all -o json' },
    {
      description: 'Kubelet certificates signed by a separate CA:',
      command: 'kubectl certs inspect-kubelet --all --ca-file kubelet-ca.crt',
    },
  ];
  static override strict = false;
  static override args = { node: Args.string({ description: 'Node names.' }) };
  static override flags = {
    all: Flags.boolean({ description: 'Inspect every node.' }),
    'ca-file': Flags.string({
      description: 'CA bundle to verify with (default: the cluster CA from kube-root-ca.crt).',
    }),
    'preferred-address-types': Flags.string({
      description: "Address types in metrics-server's order.",
      default: 'InternalIP,ExternalIP,Hostname',
    }),
    'kubelet-timeout': Flags.string({ description: 'How long to wait for each kubelet.', default: '5s' }),
    concurrency: Flags.integer({ description: 'Kubelets inspected at once.', default: 16, min: 1, max: 256 }),
  };

  async run(): Promise<void> {
    keepYoungGenerationSmall();
    const { flags, argv } = await this.parse(InspectKubelet);
    const g = this.globals(flags);
    const names = argv as string[];
    if (names.length > 0 === flags.all) throw new UserError('name the nodes to inspect, or pass --all', 2);
    const { loadKubeConfig } = await import('../kube/kubeconfig.ts');
    const { inspectKubelets } = await import('../inspect/gather.ts');
    const { renderVerdicts, EXIT_FAIL } = await import('../inspect/report.ts');
    const { kc } = loadKubeConfig(g);
    const now = new Date();
    const progress = process.stderr.isTTY
      ? (done: number, total: number) => process.stderr.write(`\r\x1b[Kinspecting ${done}/${total}`)
      : undefined;
    const verdicts = await inspectKubelets(kc, {
      nodes: names,
      all: flags.all,
      caFile: flags['ca-file'],
      preferredAddressTypes: flags['preferred-address-types']
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean),
      kubeletTimeoutMs: parseDuration(flags['kubelet-timeout'], '--kubelet-timeout'),
      timeoutMs: g.timeoutMs,
      concurrency: flags.concurrency,
      now,
      ...(progress ? { progress } : {}),
    });
    if (progress) process.stderr.write('\r\x1b[K');
    this.log(renderVerdicts(verdicts, g.output, now));
    process.exitCode = verdicts.some((v) => v.verdict === 'FAIL') ? EXIT_FAIL : 0;
  }
}
