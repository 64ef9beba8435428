import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { DEPLOY_BASE_FILE } from '../../plugin/src/approver/deploy-base.ts';
import { startFaultProxy } from '../sandbox/fault-proxy.ts';
import { writeKubeconfig } from '../sandbox/kubeconfig.ts';
import { runCli } from './cli.ts';
import { sharedCluster } from './shared-cluster.ts';

// approver install as a user runs it, on the real 1.20 API server: objects read back with the
// real kubectl, permissions refused by the real RBAC, conflicts raised by the real field managers.
const cluster = sharedCluster();
const admin = { KUBECONFIG: cluster.adminKubeconfig };
const scratch = mkdtempSync(join(tmpdir(), 'kc-install-'));
const made: { namespace: string; name: string }[] = [];

function kubectl(...args: string[]): string {
  return execFileSync('kubectl', ['--kubeconfig', cluster.adminKubeconfig, ...args], {
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}
const exists = (...args: string[]) => {
  try {
    kubectl('get', ...args);
    return true;
  } catch {
    return false;
  }
};
const json = <T = Record<string, unknown>>(...args: string[]) =>
  JSON.parse(kubectl('get', ...args, '-o', 'json', '--show-managed-fields')) as T;

/** A namespace and object name of this test's own (cluster-scoped objects are named --name). */
function target() {
  const id = randomBytes(3).toString('hex');
  const t = { namespace: `inst-${id}`, name: `approver-${id}` };
  made.push(t);
  return { ...t, flags: ['-n', t.namespace, '--name', t.name] };
}
afterAll(() => {
  for (const { namespace, name } of made) {
    kubectl('delete', '--ignore-not-found', '--wait=false', 'namespace', namespace);
    kubectl('delete', '--ignore-not-found', 'clusterrole,clusterrolebinding', name);
    kubectl('delete', '--ignore-not-found', '-n', 'default', 'role,rolebinding', name);
  }
  rmSync(scratch, { recursive: true, force: true });
});

/** A port nothing listens on (it was free a moment ago). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

/** Every object an install makes, as kubectl names them. */
const objectsOf = (t: { namespace: string; name: string }) => [
  ['namespace', t.namespace],
  ['serviceaccount', t.name, '-n', t.namespace],
  ['clusterrole', t.name],
  ['clusterrolebinding', t.name],
  ['role', t.name, '-n', t.namespace],
  ['rolebinding', t.name, '-n', t.namespace],
  ['role', t.name, '-n', 'default'],
  ['rolebinding', t.name, '-n', 'default'],
  ['deployment', t.name, '-n', t.namespace],
  ['poddisruptionbudgets.v1beta1.policy', t.name, '-n', t.namespace],
  ['service', t.name, '-n', t.namespace],
];
const outcomes = (stderr: string) =>
  stderr
    .split('\n')
    .map((l) => / (created|configured|unchanged)( \(server dry run.*\))?$/.exec(l)?.[1])
    .filter(Boolean);

describe('approver install on a real API server', () => {
  const a = target();
  it('creates every object, owned by field manager kubectl-certs; the PodDisruptionBudget as 1.20 serves it', async () => {
    const r = await runCli(
      ['approver', 'install', ...a.flags, '--', '--deny', '--max-pending-per-node=3'],
      admin,
    );
    expect(r.stderr).toContain(`namespace/${a.namespace} created\n`);
    expect(r.stderr).toContain(`poddisruptionbudget.policy/${a.name} -n ${a.namespace} created\n`);
    expect(outcomes(r.stderr)).toEqual(Array(13).fill('created'));
    expect(r.stderr).toMatch(
      new RegExp(
        `approver installed in namespace ${a.namespace}: 13 objects \\(13 created, 0 configured, 0 unchanged\\)`,
      ),
    );
    expect(r.code).toBe(0);
    for (const o of objectsOf(a)) {
      const got = json<{ metadata: { managedFields: { manager: string; operation: string }[] } }>(...o);
      expect(got.metadata.managedFields, o.join(' ')).toContainEqual(
        expect.objectContaining({ manager: 'kubectl-certs', operation: 'Apply' }),
      );
    }
    const d = json<{ spec: { template: { spec: { containers: { args: string[] }[] } } } }>(
      'deployment',
      a.name,
      '-n',
      a.namespace,
    );
    expect(d.spec.template.spec.containers[0]?.args).toEqual([
      'approver',
      'run',
      '--bind-address=:8080',
      '--deny',
      '--max-pending-per-node=3',
    ]);
  });

  it('a second install changes nothing and says unchanged for every object', async () => {
    const versions = () =>
      objectsOf(a).map((o) => kubectl('get', ...o, '-o', 'jsonpath={.metadata.resourceVersion}'));
    const before = versions();
    const r = await runCli(
      ['approver', 'install', ...a.flags, '--', '--deny', '--max-pending-per-node=3'],
      admin,
    );
    expect(outcomes(r.stderr)).toEqual(Array(13).fill('unchanged'));
    expect(r.stderr).toContain('(0 created, 0 configured, 13 unchanged)');
    expect(r.code).toBe(0);
    expect(versions()).toEqual(before);
  });

  it('--dry-run=server: the API server answers what would change, and nothing is stored', async () => {
    const image = () => kubectl('get', 'deployment', a.name, '-n', a.namespace, '-o', 'jsonpath={..image}');
    const before = image();
    const r = await runCli(
      ['approver', 'install', ...a.flags, '--image', 'registry.example/other:1', '--dry-run=server'],
      admin,
    );
    expect(r.stderr).toContain(`deployment.apps/${a.name} -n ${a.namespace} configured (server dry run)\n`);
    expect(r.stderr).toContain(
      'server dry run: 13 objects, nothing stored (0 created, 1 configured, 12 unchanged)',
    );
    expect(r.code).toBe(0);
    expect(image()).toBe(before);
  });

  it("the single executables' bundles (client-node evaluated from its own asset) apply as the npm bundle does", async () => {
    const sea = new URL('../../plugin/sea/main.cjs', import.meta.url).pathname;
    const r = await runCli(
      ['approver', 'install', ...a.flags, '--dry-run=server', '--', '--deny', '--max-pending-per-node=3'],
      admin,
      {
        script: sea,
      },
    );
    expect(outcomes(r.stderr)).toEqual(Array(13).fill('unchanged'));
    expect(r.code).toBe(0);
  });

  it('--dry-run=server: an object the API server finds invalid fails there, and nothing is stored', async () => {
    // A Service name must be a DNS-1035 label; the other objects take a dot in their names.
    const dotted = `${a.name}.v2`;
    made.push({ namespace: a.namespace, name: dotted });
    const r = await runCli(
      ['approver', 'install', '-n', a.namespace, '--name', dotted, '--dry-run=server'],
      admin,
    );
    expect(r.stderr).toContain(`deployment.apps/${dotted} -n ${a.namespace} created (server dry run)\n`);
    expect(r.stderr).toMatch(
      new RegExp(
        `\\nerror: apply service/${dotted} -n ${a.namespace}: HTTP 422: Service "${dotted}" is invalid: metadata\\.name: Invalid value`,
      ),
    );
    expect(r.code).toBe(1);
    expect(exists('clusterrole', dotted)).toBe(false);
    expect(exists('deployment', dotted, '-n', a.namespace)).toBe(false);
  });
});

describe('approver install --dry-run', () => {
  it('--dry-run=server on a new namespace stores nothing, and says what it could not validate', async () => {
    const b = target();
    const r = await runCli(['approver', 'install', ...b.flags, '--dry-run=server'], admin);
    expect(r.stderr).toContain(`namespace/${b.namespace} created (server dry run)\n`);
    expect(r.stderr).toContain(`clusterrole.rbac.authorization.k8s.io/${b.name} created (server dry run)\n`);
    expect(r.stderr).toContain(
      `deployment.apps/${b.name} -n ${b.namespace} created (server dry run: not validated, its namespace does not exist yet)\n`,
    );
    expect(r.stderr).toContain(`8 not validated until namespace ${b.namespace} exists`);
    expect(r.code).toBe(0);
    for (const o of objectsOf(b)) expect(exists(...o), o.join(' ')).toBe(false);
  });

  it('--dry-run=client -o yaml is deploy/base, with no kubeconfig and no server', async () => {
    const r = await runCli(['approver', 'install', '--dry-run=client', '-o', 'yaml'], {});
    expect(r.code).toBe(0);
    const docs = (text: string) =>
      parseAllDocuments(text)
        .map((d) => d.toJS())
        .filter(Boolean);
    expect(docs(r.stdout)).toEqual(docs(readFileSync(DEPLOY_BASE_FILE, 'utf8')));
    expect(r.stderr).toMatch(/client dry run: 13 objects, nothing sent\n$/);
  });
});

describe('approver install: every fault is one line, and says what was applied', () => {
  it('a user without RBAC gets every permission it lacks, and nothing is applied', async () => {
    const t = target();
    const user = cluster.userCredentials(`installer-${randomBytes(3).toString('hex')}`);
    const r = await runCli(['approver', 'install', ...t.flags], { KUBECONFIG: user.kubeconfig });
    expect(r.stderr).toMatch(
      new RegExp(
        `^error: missing permissions: get namespaces "${t.namespace}"; get serviceaccounts "${t.name}" in namespace ${t.namespace}; get clusterroles "${t.name}" \\(rbac\\.authorization\\.k8s\\.io\\);.*; get services "${t.name}" in namespace ${t.namespace}; nothing was applied\\n$`,
      ),
    );
    expect(r.code).toBe(1);
    expect(exists('namespace', t.namespace)).toBe(false);
  });

  // A user granted get, create and patch on every kind install writes (and escalate and bind for
  // RBAC), but one verb: the line names exactly that one.
  it.each<[string, string, string, (t: { namespace: string; name: string }) => string]>([
    [
      'patch',
      'deployments',
      'apps',
      (t) => `patch deployments "${t.name}" (apps) in namespace ${t.namespace}`,
    ],
    ['create', 'services', '', (t) => `create services in namespace ${t.namespace}`],
  ])(
    'a user who may do all but %s %s is told exactly that, and nothing is applied',
    async (verb, resource, group, line) => {
      const t = target();
      const who = `installer-${randomBytes(3).toString('hex')}`;
      const user = cluster.userCredentials(who);
      const all = ['get', 'create', 'patch'];
      const kinds: [string, string[]][] = [
        ['', ['namespaces', 'serviceaccounts', 'services']],
        ['rbac.authorization.k8s.io', ['clusterroles', 'clusterrolebindings', 'roles', 'rolebindings']],
        ['policy', ['poddisruptionbudgets']],
        ['apps', ['deployments']],
      ];
      const rules = kinds.flatMap(([g, resources]) =>
        resources.map((r) => ({
          apiGroups: [g],
          resources: [r],
          verbs: [
            ...all.filter((v) => !(g === group && r === resource && v === verb)),
            ...(g.startsWith('rbac') ? ['escalate', 'bind'] : []),
          ],
        })),
      );
      execFileSync('kubectl', ['--kubeconfig', cluster.adminKubeconfig, 'apply', '-f', '-'], {
        input: JSON.stringify({
          apiVersion: 'v1',
          kind: 'List',
          items: [
            {
              apiVersion: 'rbac.authorization.k8s.io/v1',
              kind: 'ClusterRole',
              metadata: { name: who },
              rules,
            },
            {
              apiVersion: 'rbac.authorization.k8s.io/v1',
              kind: 'ClusterRoleBinding',
              metadata: { name: who },
              roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: who },
              subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: who }],
            },
          ],
        }),
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      made.push({ namespace: t.namespace, name: who });
      const r = await runCli(['approver', 'install', ...t.flags], { KUBECONFIG: user.kubeconfig });
      expect(r.stderr).toBe(`error: missing permission: ${line(t)}; nothing was applied\n`);
      expect(r.code).toBe(1);
      expect(exists('namespace', t.namespace)).toBe(false);
    },
  );

  it('a field owned by another field manager is a 409 naming both; --force-conflicts takes it', async () => {
    const t = target();
    expect((await runCli(['approver', 'install', ...t.flags], admin)).code).toBe(0);
    kubectl('patch', 'deployment', t.name, '-n', t.namespace, '-p', '{"spec":{"replicas":3}}');
    const replicas = () =>
      kubectl('get', 'deployment', t.name, '-n', t.namespace, '-o', 'jsonpath={.spec.replicas}');

    const r = await runCli(['approver', 'install', ...t.flags], admin);
    expect(r.stderr).toContain(
      `error: apply deployment.apps/${t.name} -n ${t.namespace}: conflict: .spec.replicas is owned by field manager "kubectl-patch" (using apps/v1); run again with --force-conflicts to take it; 10 of 13 objects applied (listed above), not applied: deployment.apps/${t.name} -n ${t.namespace}, poddisruptionbudget.policy/${t.name} -n ${t.namespace}, service/${t.name} -n ${t.namespace}\n`,
    );
    expect(r.code).toBe(1);
    expect(replicas()).toBe('3');

    const forced = await runCli(['approver', 'install', ...t.flags, '--force-conflicts'], admin);
    expect(forced.stderr).toContain(`deployment.apps/${t.name} -n ${t.namespace} configured\n`);
    expect(forced.code).toBe(0);
    expect(replicas()).toBe('2');
    const owners = json<{
      metadata: { managedFields: { manager: string; fieldsV1: { 'f:spec'?: object } }[] };
    }>('deployment', t.name, '-n', t.namespace).metadata.managedFields.filter(
      (m) => m.fieldsV1['f:spec'] && 'f:replicas' in (m.fieldsV1['f:spec'] as object),
    );
    expect(owners.map((m) => m.manager)).toEqual(['kubectl-certs']);
  });

  it('an API server that stops answering midway: which objects were applied and which not', async () => {
    const t = target();
    const proxy = await startFaultProxy(
      cluster,
      (req) => req.method === 'PATCH' && /\/deployments\//.test(req.url ?? ''),
    );
    try {
      const kubeconfig = writeKubeconfig(join(scratch, `${t.name}.kubeconfig`), proxy.creds, 'admin');
      const r = await runCli(['approver', 'install', ...t.flags, '--request-timeout', '2s'], {
        KUBECONFIG: kubeconfig,
      });
      expect(r.stderr).toMatch(
        new RegExp(
          `\\nerror: apply Deployment ${t.namespace}/${t.name}: no answer within 2s \\(--request-timeout\\); 10 of 13 objects applied \\(listed above\\), not applied: deployment\\.apps/${t.name} -n ${t.namespace}, poddisruptionbudget\\.policy/${t.name} -n ${t.namespace}, service/${t.name} -n ${t.namespace}\\n$`,
        ),
      );
      expect(r.code).toBe(1);
      expect(proxy.stalled).toHaveLength(1);
    } finally {
      await proxy.stop();
    }
    expect(exists('serviceaccount', t.name, '-n', t.namespace)).toBe(true);
    expect(exists('service', t.name, '-n', t.namespace)).toBe(false);
  });

  it('an API server that cannot be reached: nothing was applied', async () => {
    const port = await closedPort();
    const kubeconfig = writeKubeconfig(
      join(scratch, 'closed.kubeconfig'),
      { ...cluster.admin, server: `https://127.0.0.1:${port}` },
      'admin',
    );
    const r = await runCli(['approver', 'install'], { KUBECONFIG: kubeconfig });
    expect(r.stderr).toBe(
      `error: reading what the API server serves: cannot reach https://127.0.0.1:${port}: ECONNREFUSED; nothing was applied\n`,
    );
    expect(r.code).toBe(1);
  });
});
