import { type ChildProcess, spawn } from 'node:child_process';

export const CLI = new URL('../../plugin/bin/kubectl-certs.js', import.meta.url).pathname;

/** approver run's leader election, quick enough for a test: a follower takes over within 4 s. */
export const QUICK_LEASE = { duration: 4, renew: 3, retry: 1 };
export const QUICK_LEASE_FLAGS = [
  '--leader-elect-lease-duration',
  `${QUICK_LEASE.duration}s`,
  '--leader-elect-renew-deadline',
  `${QUICK_LEASE.renew}s`,
  '--leader-elect-retry-period',
  `${QUICK_LEASE.retry}s`,
];

/** Neither kubelet probes nor metrics-server renewal: the approver does only what a test's CSRs ask. */
export const NO_BACKGROUND_ROUNDS = [
  '--kubelet-probe-interval',
  '0',
  '--metrics-server-renewal-interval',
  '0',
];

/**
 * `approver run` of the built CLI as the approver e2e tests start it: the kubeconfig alone (no HOME),
 * its Lease in kube-system, an ephemeral metrics port, QUICK_LEASE; `flags` say the rest.
 */
export function spawnApprover(kubeconfig: string, flags: string[]): ChildProcess {
  return spawn(
    process.execPath,
    [
      CLI,
      'approver',
      'run',
      '--lease-namespace',
      'kube-system',
      '--bind-address',
      '127.0.0.1:0',
      ...QUICK_LEASE_FLAGS,
      ...flags,
    ],
    { env: { PATH: process.env.PATH, HOME: '/nonexistent', KUBECONFIG: kubeconfig } },
  );
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The command line that runs `argv` in a mount namespace of its own where /etc/resolv.conf is
 * `resolvConf` (bind-mounted; we are root): the CLI's own resolver then asks a test's DNS server.
 */
export function withResolvConf(resolvConf: string, argv: string[]): string[] {
  return [
    'unshare',
    '-m',
    'sh',
    '-c',
    'mount --bind "$0" /etc/resolv.conf && exec "$@"',
    resolvConf,
    ...argv,
  ];
}

/** Runs the built CLI as a user would (a real process), asynchronously so tests can race it. */
export function runCli(
  args: string[],
  env: Record<string, string | undefined> = {},
  /** script: another entry than the npm bundle's, e.g. the single executables' plugin/sea/main.cjs. */
  opts: { input?: string; resolvConf?: string; script?: string } = {},
): Promise<CliResult> {
  const { input, resolvConf, script = CLI } = opts;
  const [cmd, ...argv] = resolvConf
    ? withResolvConf(resolvConf, [process.execPath, script, ...args])
    : [process.execPath, script, ...args];
  return new Promise((resolve, reject) => {
    const p = spawn(cmd as string, argv, {
      env: { PATH: process.env.PATH, HOME: '/nonexistent', ...env },
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    if (input !== undefined) p.stdin?.end(input);
    let stdout = '';
    let stderr = '';
    p.stdout?.on('data', (d) => (stdout += d));
    p.stderr?.on('data', (d) => (stderr += d));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
