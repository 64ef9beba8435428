import { DEFAULT_OPTIONS, type SecurePlan } from '@kubectl-certs/core';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type ApplySettings, applySecure } from '../src/secure/apply.ts';
import { FakeApiServer } from './support/fake-api-server.ts';

// `secure metrics-server --apply --leg apiservice` against an API server in this process: what a
// leg stopped half-way leaves, and what a server dry run prints.
const MS = { namespace: 'kube-system', name: 'metrics-server' };
const ARGS = ['--cert-dir=/tmp', '--secure-port=10250'];
const deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { ...MS, generation: 1 },
  spec: { template: { spec: { containers: [{ name: 'metrics-server', args: ARGS }] } } },
};
const apiService = {
  apiVersion: 'apiregistration.k8s.io/v1',
  kind: 'APIService',
  metadata: { name: 'v1beta1.metrics.k8s.io' },
  spec: { service: { name: 'metrics-server', namespace: 'kube-system' }, insecureSkipTLSVerify: true },
};

// Only what the APIService leg reads of the plan.
const plan = {
  metricsServer: MS,
  kubelets: [],
  kubeletLeg: { accepted: [] },
  apiServiceLeg: {
    state: 'ready',
    servingNames: ['metrics-server.kube-system.svc', 'metrics-server.kube-system', 'metrics-server'],
    issuer: 'a CA that kubectl-certs creates',
    findings: [],
    steps: [],
    // No approver installed: approver install's defaults, where the CA is kept.
    approver: { namespace: 'kubectl-certs', serviceAccount: 'kubectl-certs-approver', source: 'default' },
  },
} as unknown as SecurePlan;

const settings = (over: Partial<ApplySettings>): ApplySettings => ({
  legs: ['apiservice'],
  dryRun: 'none',
  forceConflicts: false,
  policy: DEFAULT_OPTIONS,
  concurrency: 1,
  output: 'table',
  timeoutMs: 300,
  waitMs: 300,
  progress: () => {},
  ...over,
});

const SERVING = 'PATCH /api/v1/namespaces/kube-system/secrets/metrics-server-tls';
const ROLE =
  'PATCH /apis/rbac.authorization.k8s.io/v1/namespaces/kube-system/roles/kubectl-certs-approver-metrics-server-tls';
const kinds = (f: FakeApiServer) =>
  [...f.objects.values()].map((o) => `${o.kind} ${o.metadata?.name}`).sort();

let fake: FakeApiServer;
async function start(): Promise<ReturnType<FakeApiServer['start']>> {
  fake = new FakeApiServer();
  const kc = await fake.start();
  fake.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kube-system' } });
  fake.put(deployment);
  fake.put(apiService);
  return kc;
}
afterEach(() => fake?.stop());

describe('secure --apply, the APIService leg stopped half-way', () => {
  it('the API server gone after the serving Secret: each object left is named with its own change (exit 5)', async () => {
    const kc = await start();
    let cut = false;
    fake.answer = (method, path) => {
      if (cut) return 'stall';
      if (`${method} ${path}` === SERVING) cut = true;
      return undefined;
    };
    const r = await applySecure(kc, plan, async () => plan, settings({}));
    expect(r.exitCode).toBe(5);
    const failed =
      'reading Role kube-system/kubectl-certs-approver-metrics-server-tls: no answer within 0.3s (--request-timeout)';
    const created = [
      'created Namespace kubectl-certs: where the CA is kept (the approver installs into it too)',
      "created Secret kubectl-certs/kubectl-certs-metrics-server-ca: kubectl-certs metrics-server CA, new; its key readable by the approver's service account only",
      'created Secret kube-system/metrics-server-tls: a serving certificate for metrics-server.kube-system.svc, metrics-server.kube-system, metrics-server from kubectl-certs metrics-server CA',
    ];
    // Newest first, each with its own change.
    const left = [
      [2, 'Secret kube-system/metrics-server-tls'],
      [1, 'Secret kubectl-certs/kubectl-certs-metrics-server-ca'],
      [0, 'Namespace kubectl-certs'],
    ].map(
      ([i, o]) =>
        `rollback incomplete: ${o} is left as --apply made it (${created[i as number]}): reading ${o}: no answer within 0.3s (--request-timeout)`,
    );
    expect(r.warnings).toBe(
      [`error: the APIService leg failed: ${failed}`, ...left.map((l) => `error: ${l}`), ''].join('\n'),
    );
    expect(r.output).toBe(
      [
        'APIService leg of Deployment kube-system/metrics-server: rollback incomplete',
        ...created.map((c) => `  changed: ${c}`),
        `  ${failed}`,
        ...left.map((l) => `  ${l}`),
        '',
      ].join('\n'),
    );
    // Exactly what was named is there.
    expect(kinds(fake)).toEqual([
      'APIService v1beta1.metrics.k8s.io',
      'Deployment metrics-server',
      'Namespace kube-system',
      'Namespace kubectl-certs',
      'Secret kubectl-certs-metrics-server-ca',
      'Secret metrics-server-tls',
    ]);
  });

  const CA = 'Secret kubectl-certs/kubectl-certs-metrics-server-ca';
  const TLS = 'Secret kube-system/metrics-server-tls';
  const NS_CREATED =
    'created Namespace kubectl-certs: where the CA is kept (the approver installs into it too)';
  const CA_CREATED =
    "created Secret kubectl-certs/kubectl-certs-metrics-server-ca: kubectl-certs metrics-server CA, new; its key readable by the approver's service account only";
  const TLS_CREATED =
    'created Secret kube-system/metrics-server-tls: a serving certificate for metrics-server.kube-system.svc, metrics-server.kube-system, metrics-server from kubectl-certs metrics-server CA';
  const noAnswer = (what: string) => `${what}: no answer within 0.3s (--request-timeout)`;
  it.each<[string, FakeApiServer['answer'], string[]]>([
    [
      // The write may never have landed (here it did not): it may be left, not "is left".
      'a write that got no answer, the API server gone with it: that object may be left as --apply made it',
      (() => {
        let cut = false;
        return (method: string, path: string) => {
          if (`${method} ${path}` === SERVING) cut = true;
          return cut ? 'stall' : undefined;
        };
      })(),
      [
        `error: the APIService leg failed: ${noAnswer(`apply ${TLS}`)}`,
        `error: rollback incomplete: ${TLS} may be left as --apply made it (${TLS_CREATED}): ${noAnswer(`reading ${TLS}`)}`,
        `error: rollback incomplete: ${CA} is left as --apply made it (${CA_CREATED}): ${noAnswer(`reading ${CA}`)}`,
        `error: rollback incomplete: Namespace kubectl-certs is left as --apply made it (${NS_CREATED}): ${noAnswer('reading Namespace kubectl-certs')}`,
      ],
    ],
    [
      // A write refused is no change; a restore sent but not answered may have landed, or not.
      'a write refused, then a restore that got no answer: that object may be left as --apply made it',
      (method, path) =>
        `${method} ${path}` === ROLE
          ? { code: 403, message: 'roles.rbac.authorization.k8s.io is forbidden' }
          : `${method} ${path}` === SERVING.replace('PATCH', 'DELETE')
            ? 'stall'
            : undefined,
      [
        'error: the APIService leg failed: applying Role kube-system/kubectl-certs-approver-metrics-server-tls: forbidden: roles.rbac.authorization.k8s.io is forbidden',
        `error: rollback incomplete: ${TLS} may be left as --apply made it (${TLS_CREATED}): ${noAnswer(`deleting ${TLS}`)}`,
      ],
    ],
  ])('%s (exit 5)', async (_what, answer, warnings) => {
    const kc = await start();
    fake.answer = answer;
    const r = await applySecure(kc, plan, async () => plan, settings({}));
    expect(r.warnings).toBe([...warnings, ''].join('\n'));
    expect(r.exitCode).toBe(5);
  });

  it('a write refused half-way: everything written before it is put back (exit 4)', async () => {
    const kc = await start();
    fake.answer = (method, path) =>
      `${method} ${path}` === ROLE
        ? { code: 403, message: 'roles.rbac.authorization.k8s.io is forbidden' }
        : undefined;
    const r = await applySecure(kc, plan, async () => plan, settings({}));
    expect(r.warnings).toBe(
      'error: the APIService leg failed: applying Role kube-system/kubectl-certs-approver-metrics-server-tls: forbidden: roles.rbac.authorization.k8s.io is forbidden\n',
    );
    expect(r.exitCode).toBe(4);
    // The refused write changed nothing: it is not among the changes.
    expect(r.output).not.toContain('created Role');
    expect(kinds(fake)).toEqual([
      'APIService v1beta1.metrics.k8s.io',
      'Deployment metrics-server',
      'Namespace kube-system',
    ]);
  });
});

describe('secure --dry-run=server, the APIService leg', () => {
  it('prints each object as the API server would store it, says which it could not send, and stores nothing', async () => {
    const kc = await start();
    const before = structuredClone([...fake.objects.entries()]);
    const r = await applySecure(kc, plan, async () => plan, settings({ dryRun: 'server', output: 'yaml' }));
    expect(r.exitCode).toBe(3);
    // The CA Secret goes into the namespace the dry run would create: the API server would answer 404.
    expect(r.warnings).toBe(
      'warning: Secret kubectl-certs/kubectl-certs-metrics-server-ca was not sent: its namespace kubectl-certs does not exist yet (a dry run creates none), so the API server cannot dry-run it\n',
    );
    const items = parse(r.output).items as { kind: string; metadata: { name: string; uid?: string } }[];
    // The server's answers carry what it gives every stored object (a uid); the one not sent has none.
    expect(items.map((i) => [i.kind, i.metadata.name, i.metadata.uid !== undefined])).toEqual([
      ['Namespace', 'kubectl-certs', true],
      ['Secret', 'kubectl-certs-metrics-server-ca', false],
      ['Secret', 'metrics-server-tls', true],
      ['Role', 'kubectl-certs-approver-metrics-server-tls', true],
      ['RoleBinding', 'kubectl-certs-approver-metrics-server-tls', true],
      ['ClusterRole', 'kubectl-certs-approver-metrics-apiservice', true],
      ['ClusterRoleBinding', 'kubectl-certs-approver-metrics-apiservice', true],
      ['Deployment', 'metrics-server', true],
      ['APIService', 'v1beta1.metrics.k8s.io', true],
    ]);
    expect([...fake.objects.entries()]).toEqual(before);
  });
});
