import { spawnSync } from 'node:child_process';
import type { KubernetesObject } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { type AppliedObject, installObjectsWith, outcomeOf } from '../src/approver/install.ts';
import { installObjects } from '../src/approver/install-objects.ts';
import { checkRunArgs } from '../src/approver/run-flags.ts';
import { forServedVersions } from '../src/approver/served-versions.ts';
import { describeConflicts, fieldConflicts } from '../src/kube/apply-conflict.ts';
import type { ObjectClient } from '../src/kube/object-client.ts';
import { UserError } from '../src/user-error.ts';

const BIN = new URL('../bin/kubectl-certs.js', import.meta.url).pathname;
const SETTINGS = { namespace: 'ns', name: 'app', image: 'img:1', replicas: 2, extraArgs: [] };
const OBJECTS = installObjects(SETTINGS) as KubernetesObject[];

describe('the PodDisruptionBudget goes in the newest version the server serves (one definition)', () => {
  it.each<[string, string[], string]>([
    ['Kubernetes 1.21-1.24: both, v1 wins', ['apps/v1', 'policy/v1', 'policy/v1beta1'], 'policy/v1'],
    ['Kubernetes 1.25+: v1 only', ['policy/v1'], 'policy/v1'],
    ['Kubernetes 1.20 and older: v1beta1 only', ['apps/v1', 'policy/v1beta1'], 'policy/v1beta1'],
  ])('%s', (_n, served, version) => {
    const out = forServedVersions(OBJECTS, served);
    expect(out.find((o) => o.kind === 'PodDisruptionBudget')?.apiVersion).toBe(version);
    expect(out.filter((o) => o.kind !== 'PodDisruptionBudget')).toEqual(
      OBJECTS.filter((o) => o.kind !== 'PodDisruptionBudget'),
    );
  });

  it('a server with no policy version we write is one line, not a guess', () => {
    expect(() => forServedVersions(OBJECTS, ['apps/v1'])).toThrow(
      'the API server serves no PodDisruptionBudget version we write (policy/v1, policy/v1beta1); it serves: apps/v1',
    );
  });
});

describe('created, configured or unchanged: what the object reads like before and after', () => {
  const before = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 's', resourceVersion: '1', managedFields: [{ manager: 'a' }] },
    spec: { ports: [{ port: 80 }] },
    status: {},
  };
  it.each<[string, KubernetesObject | undefined, KubernetesObject, string]>([
    ['nothing there before: created', undefined, before, 'created'],
    ['the same object back: unchanged', before, structuredClone(before), 'unchanged'],
    [
      'only bookkeeping moved (resourceVersion, generation, managedFields, status): unchanged',
      before,
      {
        ...before,
        metadata: { name: 's', resourceVersion: '2', generation: 3, managedFields: [{ manager: 'b' }] },
        status: { loadBalancer: {} },
      } as KubernetesObject,
      'unchanged',
    ],
    [
      'the spec changed: configured',
      before,
      { ...before, spec: { ports: [{ port: 81 }] } } as KubernetesObject,
      'configured',
    ],
    [
      'a label changed: configured',
      before,
      { ...before, metadata: { ...before.metadata, labels: { a: 'b' } } },
      'configured',
    ],
  ])('%s', (_n, b, a, outcome) => {
    expect(outcomeOf(b, a)).toBe(outcome);
  });
});

const conflict409 = (causes: { field: string; message: string }[]) => ({
  code: 409,
  body: JSON.stringify({
    kind: 'Status',
    status: 'Failure',
    reason: 'Conflict',
    code: 409,
    message: `Apply failed with ${causes.length} conflict(s)`,
    details: { causes: causes.map((c) => ({ reason: 'FieldManagerConflict', ...c })) },
  }),
});

describe('a 409 of a server-side apply says which field manager owns which field', () => {
  it.each<[string, unknown, string | undefined]>([
    [
      'one field of kubectl patch',
      conflict409([{ field: '.spec.replicas', message: 'conflict with "kubectl-patch" using apps/v1' }]),
      'conflict: .spec.replicas is owned by field manager "kubectl-patch" (using apps/v1); run again with --force-conflicts to take it',
    ],
    [
      'two fields, two managers, one through the scale subresource (newer servers)',
      conflict409([
        {
          field: '.spec.replicas',
          message: 'conflict with "kubectl-scale" with subresource "scale" using apps/v1',
        },
        { field: '.metadata.labels.a', message: 'conflict with "helm" using apps/v1' },
      ]),
      'conflict: .spec.replicas is owned by field manager "kubectl-scale" (with subresource "scale" using apps/v1), .metadata.labels.a is owned by field manager "helm" (using apps/v1); run again with --force-conflicts to take them',
    ],
    [
      'a 409 that is not about fields (AlreadyExists) is not a conflict',
      { code: 409, body: { reason: 'AlreadyExists', message: 'already exists' } },
      undefined,
    ],
    ['a network error is not a conflict', { cause: { code: 'ECONNREFUSED' } }, undefined],
  ])('%s', (_n, e, line) => {
    const c = fieldConflicts(e);
    expect(c ? describeConflicts(c) : undefined).toBe(line);
  });
});

describe("approver run's flags after -- are checked before anything is sent", () => {
  it.each<[string, string[], string | undefined]>([
    [
      'policy flags as approver run takes them',
      ['--deny', '--node-name-pattern', '^w-\\d+$', '--max-sans=4'],
      undefined,
    ],
    ['no flags at all', [], undefined],
    ['a typo', ['--dny'], 'approver run flags after --: Nonexistent flag: --dny'],
    ['a value outside its range', ['--max-sans', '0'], 'approver run flags after --: Parsing --max-sans'],
    ['a bad regular expression', ['--node-name-pattern', '('], 'invalid --node-name-pattern'],
    ['an impossible lease', ['--leader-elect-renew-deadline', '20s'], 'leader election needs'],
    ['a bad duration', ['--recheck-window', 'soon'], '--recheck-window'],
    [
      'the port install gives its probes and Service',
      ['--bind-address=:9000'],
      '--bind-address is set by approver install',
    ],
    [
      'the Lease namespace (its Role is in --namespace)',
      ['--lease-namespace', 'x'],
      '--lease-namespace is set by approver install',
    ],
    [
      'a kubeconfig (the pod uses its service account)',
      ['--kubeconfig', '/k'],
      '--kubeconfig is set by approver install',
    ],
    ['a stray argument', ['deny'], 'approver run flags after --: Unexpected argument: deny'],
  ])('%s', async (_n, argv, error) => {
    const r = checkRunArgs(argv);
    if (error === undefined) await expect(r).resolves.toBeUndefined();
    else {
      const e = await r.then(
        () => undefined,
        (x: unknown) => x,
      );
      expect(e).toBeInstanceOf(UserError);
      expect((e as UserError).message).toContain(error);
      expect((e as UserError).exitCode).toBe(2);
    }
  });
});

/** An API server in memory: objects by kind/namespace/name, permissions as "verb resource", faults per kind. */
function fakeServer(
  o: { deny?: string[]; failApply?: Record<string, unknown>; existing?: KubernetesObject[] } = {},
) {
  const key = (x: KubernetesObject) => `${x.kind}/${x.metadata?.namespace ?? ''}/${x.metadata?.name}`;
  const store = new Map((o.existing ?? []).map((x) => [key(x), x]));
  const applied: string[] = [];
  const client: ObjectClient = {
    server: 'https://fake:6443',
    servedGroupVersions: async () => ['apps/v1', 'policy/v1beta1', 'rbac.authorization.k8s.io/v1'],
    resourceOf: async (x) => ({
      resource: `${(x.kind ?? '').toLowerCase()}s`,
      group: x.apiVersion?.includes('/') ? (x.apiVersion.split('/')[0] as string) : '',
      namespaced: x.metadata?.namespace !== undefined,
    }),
    allowed: async (p) => !(o.deny ?? []).includes(`${p.verb} ${p.resource}`),
    read: async (x) => store.get(key(x)),
    apply: async (x, { dryRun }) => {
      const fault = o.failApply?.[x.kind ?? ''];
      if (fault) throw fault;
      if (dryRun === 'none') {
        store.set(key(x), x);
        applied.push(key(x));
      }
      return x;
    },
  };
  return { client, store, applied };
}

const run = async (server: ReturnType<typeof fakeServer>, dryRun: 'none' | 'server' = 'none') => {
  const lines: AppliedObject[] = [];
  const error = await installObjectsWith(server.client, OBJECTS, {
    dryRun,
    force: false,
    onApplied: (a) => lines.push(a),
  }).then(
    () => undefined,
    (e: unknown) => e as UserError,
  );
  return { lines, error };
};

describe('approver install over a fake API server: every fault is one line saying what was applied', () => {
  it('applies every object in order, the PodDisruptionBudget as the server serves it', async () => {
    const s = fakeServer();
    const { lines, error } = await run(s);
    expect(error).toBeUndefined();
    expect(lines.map((l) => `${l.ref} ${l.outcome}`)).toEqual([
      'namespace/ns created',
      'serviceaccount/app -n ns created',
      'clusterrole.rbac.authorization.k8s.io/app created',
      'clusterrolebinding.rbac.authorization.k8s.io/app created',
      'role.rbac.authorization.k8s.io/app -n ns created',
      'rolebinding.rbac.authorization.k8s.io/app -n ns created',
      'role.rbac.authorization.k8s.io/app -n default created',
      'rolebinding.rbac.authorization.k8s.io/app -n default created',
      'role.rbac.authorization.k8s.io/app-metrics-server-ca -n ns created',
      'rolebinding.rbac.authorization.k8s.io/app-metrics-server-ca -n ns created',
      'deployment.apps/app -n ns created',
      'poddisruptionbudget.policy/app -n ns created',
      'service/app -n ns created',
    ]);
    expect(s.store.get('PodDisruptionBudget/ns/app')?.apiVersion).toBe('policy/v1beta1');
  });

  it.each<[string, Parameters<typeof fakeServer>[0], string]>([
    [
      'one permission missing: named exactly, nothing applied',
      { deny: ['patch deployments'] },
      'missing permission: patch deployments "app" (apps) in namespace ns; nothing was applied',
    ],
    [
      'create missing where the object is not there yet',
      { deny: ['create namespaces'] },
      'missing permission: create namespaces; nothing was applied',
    ],
    [
      'no get: named before anything is read',
      { deny: ['get services'] },
      'missing permission: get services "app" in namespace ns; nothing was applied',
    ],
    [
      'a conflict on the Deployment: the manager and field, what was applied and what not',
      {
        failApply: {
          Deployment: conflict409([
            { field: '.spec.replicas', message: 'conflict with "kubectl-patch" using apps/v1' },
          ]),
        },
      },
      'apply deployment.apps/app -n ns: conflict: .spec.replicas is owned by field manager "kubectl-patch" (using apps/v1); run again with --force-conflicts to take it; 10 of 13 objects applied (listed above), not applied: deployment.apps/app -n ns, poddisruptionbudget.policy/app -n ns, service/app -n ns',
    ],
    [
      'the API server gone after the first object',
      { failApply: { ServiceAccount: { cause: { code: 'ECONNRESET' } } } },
      'apply serviceaccount/app -n ns: cannot reach https://fake:6443: ECONNRESET; 1 of 13 objects applied (listed above), not applied: serviceaccount/app -n ns, clusterrole.rbac.authorization.k8s.io/app, clusterrolebinding.rbac.authorization.k8s.io/app, role.rbac.authorization.k8s.io/app -n ns, rolebinding.rbac.authorization.k8s.io/app -n ns, role.rbac.authorization.k8s.io/app -n default, rolebinding.rbac.authorization.k8s.io/app -n default, role.rbac.authorization.k8s.io/app-metrics-server-ca -n ns, rolebinding.rbac.authorization.k8s.io/app-metrics-server-ca -n ns, deployment.apps/app -n ns, poddisruptionbudget.policy/app -n ns, service/app -n ns',
    ],
    [
      'the first apply times out: nothing applied',
      {
        failApply: {
          Namespace: new UserError('apply Namespace ns: no answer within 2s (--request-timeout)'),
        },
      },
      'apply Namespace ns: no answer within 2s (--request-timeout); nothing was applied (not applied: namespace/ns, serviceaccount/app -n ns, clusterrole.rbac.authorization.k8s.io/app, clusterrolebinding.rbac.authorization.k8s.io/app, role.rbac.authorization.k8s.io/app -n ns, rolebinding.rbac.authorization.k8s.io/app -n ns, role.rbac.authorization.k8s.io/app -n default, rolebinding.rbac.authorization.k8s.io/app -n default, role.rbac.authorization.k8s.io/app-metrics-server-ca -n ns, rolebinding.rbac.authorization.k8s.io/app-metrics-server-ca -n ns, deployment.apps/app -n ns, poddisruptionbudget.policy/app -n ns, service/app -n ns)',
    ],
    [
      "RBAC refuses a Role at apply time (escalation): the server's words",
      {
        failApply: {
          ClusterRole: {
            code: 403,
            body: {
              message:
                'clusterroles "app" is forbidden: attempting to grant RBAC permissions not currently held',
            },
          },
        },
      },
      'apply clusterrole.rbac.authorization.k8s.io/app: forbidden: clusterroles "app" is forbidden: attempting to grant RBAC permissions not currently held; 2 of 13 objects applied',
    ],
  ])('%s', async (_n, faults, message) => {
    const s = fakeServer(faults);
    const { error } = await run(s);
    expect(error).toBeInstanceOf(UserError);
    expect(error?.message).toContain(message);
    expect(error?.message).not.toContain('\n');
    if (message.includes('nothing was applied')) expect(s.applied).toEqual([]);
  });

  it('several permissions missing are all named on one line', async () => {
    const { error } = await run(
      fakeServer({ deny: ['patch deployments', 'patch services', 'create services'] }),
    );
    expect(error?.message).toBe(
      'missing permissions: patch deployments "app" (apps) in namespace ns; patch services "app" in namespace ns; create services in namespace ns; nothing was applied',
    );
  });

  it('a server dry run stores nothing and does not send what needs a namespace it would create', async () => {
    const s = fakeServer();
    const { lines, error } = await run(s, 'server');
    expect(error).toBeUndefined();
    expect(s.applied).toEqual([]);
    expect(lines.filter((l) => !l.validated).map((l) => l.ref)).toEqual([
      'serviceaccount/app -n ns',
      'role.rbac.authorization.k8s.io/app -n ns',
      'rolebinding.rbac.authorization.k8s.io/app -n ns',
      'role.rbac.authorization.k8s.io/app-metrics-server-ca -n ns',
      'rolebinding.rbac.authorization.k8s.io/app-metrics-server-ca -n ns',
      'deployment.apps/app -n ns',
      'poddisruptionbudget.policy/app -n ns',
      'service/app -n ns',
    ]);
  });

  it('a second install finds every object unchanged', async () => {
    const s = fakeServer();
    await run(s);
    const { lines } = await run(s);
    expect(lines.map((l) => l.outcome)).toEqual(OBJECTS.map(() => 'unchanged'));
  });
});

describe('approver install on the command line (the built CLI)', () => {
  const cli = (args: string[]) => {
    const r = spawnSync(process.execPath, [BIN, ...args], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', HOME: '/nonexistent' },
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  it.each<[string, string[], RegExp]>([
    [
      'a run flag before -- says where it goes',
      ['approver', 'install', '--deny'],
      /^error: --deny goes with approver run, not approver install \(pass approver run's flags after --: approver install -- --deny \.\.\.\)\n$/,
    ],
    [
      'an install flag on run',
      ['approver', 'run', '--image', 'x'],
      /^error: --image goes with approver install, not approver run\n$/,
    ],
    [
      'extra arguments to run',
      ['approver', 'run', 'now'],
      /^error: approver run takes no more arguments: now\n$/,
    ],
    [
      'a bad run flag after --, before any kubeconfig is read',
      ['approver', 'install', '--', '--dny'],
      /^error: approver run flags after --: Nonexistent flag: --dny\n$/,
    ],
    [
      'a --dry-run outside its choices',
      ['approver', 'install', '--dry-run=maybe'],
      /Expected --dry-run=maybe to be one of: none, client, server/,
    ],
  ])('%s: exit 2', (_n, args, stderr) => {
    const r = cli(args);
    expect(r.stderr).toMatch(stderr);
    expect(r.code).toBe(2);
  });

  it('--dry-run=client -o json needs no kubeconfig and prints a List of what -o yaml prints', () => {
    const json = cli(['approver', 'install', '--dry-run=client', '-o', 'json', '-n', 'x', '--', '--deny']);
    const yaml = cli(['approver', 'install', '--dry-run=client', '-o', 'yaml', '-n', 'x', '--', '--deny']);
    expect([json.code, yaml.code]).toEqual([0, 0]);
    const list = JSON.parse(json.stdout) as {
      kind: string;
      items: { kind: string; spec?: { template?: { spec: { containers: { args: string[] }[] } } } }[];
    };
    expect(list.kind).toBe('List');
    expect(list.items).toEqual(parseAllDocuments(yaml.stdout).map((d) => d.toJS()));
    expect(list.items.find((o) => o.kind === 'Deployment')?.spec?.template?.spec.containers[0]?.args).toEqual(
      ['approver', 'run', '--bind-address=:8080', '--deny'],
    );
    expect(json.stderr).toMatch(/client dry run: 13 objects, nothing sent\n$/);
  });
});
