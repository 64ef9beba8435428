import { Flags, Parser } from '@oclif/core';
import { policyFlags, policyOptions, recheckFlags } from '../approve/policy-flags.ts';
import { globalFlags } from '../base-command.ts';
import { parseDuration } from '../duration.ts';
import { UserError } from '../user-error.ts';

/** The flags of `approver run` (one definition: the command, and install's check of what it passes on). */
const ownFlags = {
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
  'metrics-server-renewal-interval': Flags.string({
    description:
      "How often the leader checks metrics-server's serving certificate and its CA that `secure metrics-server` set up, and renews them when due (0: never).",
    default: '10m',
  }),
  'metrics-server-serving-validity': Flags.string({
    description:
      'Lifetime of the metrics-server serving certificates it issues (renewed at two thirds of it).',
    default: '365d',
  }),
  'metrics-server-ca-validity': Flags.string({
    description: 'Lifetime of a new metrics-server CA on rotation (rotated at two thirds of it).',
    default: '3650d',
  }),
  'metrics-server-settle': Flags.string({
    description:
      'How long a rotation step waits for the previous one to reach its readers (the aggregator, the Secret in the pod).',
    default: '5m',
  }),
};

/** Shown under their own heading in `approver --help`, apart from install's and migrate's. */
const inRunGroup = <T extends Record<string, object>>(flags: T): T =>
  Object.fromEntries(Object.entries(flags).map(([k, f]) => [k, { ...f, helpGroup: 'RUN' }])) as T;

export const runFlags = inRunGroup({ ...policyFlags, ...recheckFlags, ...ownFlags });

type LeaseFlags = Record<
  'leader-elect-lease-duration' | 'leader-elect-renew-deadline' | 'leader-elect-retry-period',
  string
>;

/** The Lease timings, checked as client-go checks them. */
export function leaseTimings(flags: LeaseFlags) {
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
  return lease;
}

/**
 * Flags `approver install` sets in the Deployment itself: the port its probes and Service use, the
 * Lease's namespace (its Role is there; the pod reads $POD_NAMESPACE), and the in-cluster client.
 */
const SET_BY_INSTALL: Record<string, string> = {
  'bind-address': 'the port of the probes and the Service',
  'lease-namespace': 'the Lease is in --namespace, where its Role is',
  kubeconfig: 'the pod uses its service account',
  context: 'the pod uses its service account',
};

/**
 * Checks the `approver run` flags that install passes on (after `--`) as approver run will parse
 * them in the pod, so that a typo fails here and not in a CrashLoopBackOff.
 */
export async function checkRunArgs(argv: readonly string[]): Promise<void> {
  const parsed = await Parser.parse([...argv], {
    flags: { ...globalFlags, ...runFlags },
    args: {},
    strict: true,
  }).catch((e: Error) => {
    throw new UserError(`approver run flags after --: ${String(e.message ?? e).split('\n')[0]}`, 2);
  });
  for (const r of parsed.raw) {
    if (r.type === 'flag' && r.flag in SET_BY_INSTALL)
      throw new UserError(`--${r.flag} is set by approver install (${SET_BY_INSTALL[r.flag]})`, 2);
  }
  const { flags } = parsed;
  try {
    await policyOptions(flags);
    leaseTimings(flags);
    parseDuration(flags['recheck-window'], '--recheck-window');
    parseDuration(flags['kubelet-probe-interval'], '--kubelet-probe-interval');
  } catch (e) {
    // A value approver run would refuse is, here, a usage error of install: nothing is sent.
    throw e instanceof UserError ? new UserError(e.message, 2) : e;
  }
}
