import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_OPTIONS, decideAll } from '@kubectl-certs/core';
import { CertificatesV1Api, KubeConfig } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { act } from '../../plugin/src/approve/act.ts';
import { approveClient } from '../../plugin/src/approve/approve-client.ts';
import { toCsrItem } from '../../plugin/src/kube/csr-objects.ts';
import { startFaultProxy } from '../sandbox/fault-proxy.ts';
import { writeKubeconfig } from '../sandbox/kubeconfig.ts';
import { addNode, uniqueNodeName } from '../sandbox/node-identity.ts';
import { fileServingCsr, waitForIssued } from '../sandbox/serving-csr.ts';
import { CLI, runCli } from './cli.ts';
import { sharedCluster } from './shared-cluster.ts';

const cluster = sharedCluster();
const admin = { KUBECONFIG: cluster.adminKubeconfig };

function kubectl(...args: string[]): string {
  return execFileSync('kubectl', ['--kubeconfig', cluster.adminKubeconfig, ...args], {
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}
function conditions(csr: string): string {
  return kubectl('get', 'csr', csr, '-o', 'jsonpath={.status.conditions[*].type}');
}

describe('approve-serving on the real control plane', () => {
  it('on a terminal, shows a progress line while it works and clears it before the report', async () => {
    const node = await addNode(cluster, uniqueNodeName('tty'));
    const csr = await fileServingCsr(cluster, node);
    // util-linux script(1) runs the CLI on a pseudo-terminal: stdout and stderr both are a TTY.
    const command = [process.execPath, CLI, 'approve-serving', '--node', node.name]
      .map((a) => `'${a}'`)
      .join(' ');
    const out = execFileSync('script', ['-qec', command, '/dev/null'], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH, HOME: '/nonexistent', KUBECONFIG: cluster.adminKubeconfig },
    });
    expect(out).toContain('\r\x1b[Kdecided and written: 1\r\x1b[K');
    expect(out.slice(out.lastIndexOf('\x1b[K') + 3)).toMatch(
      new RegExp(`^NAME\\s+NODE.*\\r?\n${csr.name}\\s`),
    );
  });

  it('a write that times out is one line for that CSR; the others are still decided and written (exit 1)', async () => {
    const slow = await addNode(cluster, uniqueNodeName('slow'));
    const fast = await addNode(cluster, uniqueNodeName('fast'));
    const stuck = await fileServingCsr(cluster, slow);
    const fine = await fileServingCsr(cluster, fast);
    const proxy = await startFaultProxy(
      cluster,
      (req) =>
        req.method === 'PUT' &&
        req.url === `/apis/certificates.k8s.io/v1/certificatesigningrequests/${stuck.name}/approval`,
    );
    try {
      const dir = mkdtempSync(join(tmpdir(), 'kc-fault-'));
      const kubeconfig = writeKubeconfig(join(dir, 'kubeconfig'), proxy.creds, 'admin');
      const r = await runCli(
        ['approve-serving', '--node', slow.name, '--node', fast.name, '--request-timeout', '2s'],
        { KUBECONFIG: kubeconfig },
      );
      expect(proxy.stalled).toEqual([
        `PUT /apis/certificates.k8s.io/v1/certificatesigningrequests/${stuck.name}/approval`,
      ]);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(
        new RegExp(
          `^${stuck.name}\\s.*Error\\s+writing the decision on ${stuck.name}: no answer within 2s \\(--request-timeout\\)$`,
          'm',
        ),
      );
      expect(r.stdout).toMatch(new RegExp(`^${fine.name}\\s.*Approved\\s+every check passed$`, 'm'));
      expect(r.stderr).toBe('1 approved, 0 refused, 0 undecided, 0 ignored, 1 errors\n');
      await waitForIssued(cluster, fine.name);
      expect(conditions(stuck.name)).toBe('');
      rmSync(dir, { recursive: true, force: true });
    } finally {
      await proxy.stop();
    }
  });

  it('approves an honest CSR, which the real signer then issues', async () => {
    const node = await addNode(cluster, uniqueNodeName('honest'));
    const csr = await fileServingCsr(cluster, node);
    const r = await runCli(['approve-serving', '--node', node.name], admin);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      new RegExp(
        `^${csr.name}\\s+${node.name}\\s+\\d+s\\s+DNS:${node.name},IP:${node.ip.replaceAll('.', '\\.')}\\s+Approved\\s+every check passed$`,
        'm',
      ),
    );
    expect(r.stderr).toBe('1 approved, 0 refused, 0 undecided, 0 ignored, 0 errors\n');
    await waitForIssued(cluster, csr.name);
    expect(kubectl('get', 'csr', csr.name, '-o', 'jsonpath={.status.conditions[0].reason}')).toBe(
      'KubectlCertsApproved',
    );
  });

  it('refuses a CN forged for another node, although the signer would sign it, and leaves it Pending', async () => {
    const worker1 = await addNode(cluster, uniqueNodeName('worker-1'));
    const worker9 = await addNode(cluster, uniqueNodeName('worker-9'));
    const forged = await fileServingCsr(cluster, worker1, { forNode: worker9 });
    const r = await runCli(['approve-serving', '--node', worker1.name], admin);
    expect(r.code).toBe(3);
    expect(r.stdout).toContain(
      `Refused (left Pending)   subject: subject CN "system:node:${worker9.name}" is not the requester "system:node:${worker1.name}"`,
    );
    expect(conditions(forged.name)).toBe('');
  });

  it('with --deny marks a refused CSR Denied, naming every failing check', async () => {
    const w = await addNode(cluster, uniqueNodeName('deny'));
    const other = await addNode(cluster, uniqueNodeName('victim'));
    const csr = await fileServingCsr(cluster, w, { ips: [other.ip] });
    const r = await runCli(['approve-serving', csr.name, '--deny'], admin);
    expect(r.code).toBe(3);
    expect(conditions(csr.name)).toBe('Denied');
    expect(kubectl('get', 'csr', csr.name, '-o', 'jsonpath={.status.conditions[0].message}')).toBe(
      `kubectl-certs approve-serving refused it: ip-sans: IP SAN ${other.ip} is not an InternalIP or ExternalIP of Node ${w.name} (it has ${w.ip})`,
    );
  });

  it('never touches a CSR of another signer, even when named', async () => {
    const node = await addNode(cluster, uniqueNodeName('foreign'));
    const csr = await fileServingCsr(cluster, node, { signerName: 'example.com/serving' });
    const all = await runCli(['approve-serving', '--all', '--deny', '-o', 'json'], admin);
    const listed = (JSON.parse(all.stdout) as { items: { name: string }[] }).items.map((i) => i.name);
    expect(listed).not.toContain(csr.name);
    const named = await runCli(['approve-serving', csr.name, '--deny'], admin);
    expect(named.stdout).toMatch(
      new RegExp(
        `${csr.name}.*Ignored\\s+signer is example\\.com/serving, not kubernetes\\.io/kubelet-serving`,
      ),
    );
    expect(named.code).toBe(0);
    expect(conditions(csr.name)).toBe('');
  });

  it('--dry-run decides and writes nothing', async () => {
    const node = await addNode(cluster, uniqueNodeName('dry'));
    const csr = await fileServingCsr(cluster, node);
    const before = kubectl('get', 'csr', csr.name, '-o', 'jsonpath={.metadata.resourceVersion}');
    const r = await runCli(['approve-serving', csr.name, '--dry-run'], admin);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Approve \(dry run\)\s+every check passed/);
    expect(r.stderr).toContain('(dry run: nothing written)');
    expect(kubectl('get', 'csr', csr.name, '-o', 'jsonpath={.metadata.resourceVersion}')).toBe(before);
  });

  it('reports a CSR name that does not exist as an error, and still decides the others', async () => {
    const node = await addNode(cluster, uniqueNodeName('mixed'));
    const csr = await fileServingCsr(cluster, node);
    const r = await runCli(['approve-serving', 'csr-does-not-exist', csr.name, '--dry-run'], admin);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/csr-does-not-exist\s+-\s+-\s+-\s+Error\s+not found/);
    expect(r.stdout).toMatch(new RegExp(`${csr.name}.*Approve \\(dry run\\)`));
  });

  it.each([
    [
      'a user with no permissions',
      [],
      'missing permission: list certificatesigningrequests (certificates.k8s.io)',
    ],
    [
      'a user who may update approvals but not approve for the kubelet-serving signer',
      [
        '--verb=get,list,watch,update',
        '--resource=certificatesigningrequests,certificatesigningrequests/approval,nodes',
      ],
      'missing permission: approve signers "kubernetes.io/kubelet-serving" (certificates.k8s.io)',
    ],
  ])('%s gets one line naming the missing permission, and nothing is written', async (_n, rules, message) => {
    const user = uniqueNodeName('user');
    const creds = cluster.userCredentials(user);
    if (rules.length) {
      kubectl('create', 'clusterrole', user, ...rules);
      kubectl('create', 'clusterrolebinding', user, `--clusterrole=${user}`, `--user=${user}`);
    }
    const node = await addNode(cluster, uniqueNodeName('rbac'));
    const csr = await fileServingCsr(cluster, node);
    const r = await runCli(['approve-serving', csr.name], { KUBECONFIG: creds.kubeconfig });
    expect(r.stderr).toBe(
      `error: ${message}; grant the approver role with: kubectl certs rbac --user <you> | kubectl apply -f -\n`,
    );
    expect(r.code).toBe(1);
    expect(conditions(csr.name)).toBe('');
  });

  it('on a 409 (approved meanwhile by kubectl certificate approve) re-reads the CSR and leaves it alone', async () => {
    const node = await addNode(cluster, uniqueNodeName('race'));
    const filed = await fileServingCsr(cluster, node);
    const kc = new KubeConfig();
    kc.loadFromFile(cluster.adminKubeconfig);
    const api = kc.makeApiClient(CertificatesV1Api);
    const stale = toCsrItem(await api.readCertificateSigningRequest({ name: filed.name }));
    const nodes = {
      ok: true as const,
      value: [{ name: node.name, addresses: [{ type: 'InternalIP', address: node.ip }] }],
    };
    const [decision] = await decideAll([stale.request], nodes, DEFAULT_OPTIONS);
    expect(decision?.decision).toBe('approve');
    kubectl('certificate', 'approve', filed.name); // the other approver wins the race
    const row = await act(
      approveClient(kc, 10_000),
      stale,
      decision as NonNullable<typeof decision>,
      { nodes },
      { dryRun: false, deny: false, options: DEFAULT_OPTIONS, timeoutMs: 10_000 },
    );
    expect(row).toMatchObject({
      action: 'none',
      decision: 'ignore',
      reason: 'changed by someone else meanwhile: already Approved: nothing to decide',
    });
    expect(kubectl('get', 'csr', filed.name, '-o', 'jsonpath={.status.conditions[*].reason}')).toBe(
      'KubectlApprove',
    );
  });

  it('-o json gives every check of every CSR in the documented schema', async () => {
    const node = await addNode(cluster, uniqueNodeName('schema'));
    const csr = await fileServingCsr(cluster, node);
    const r = await runCli(['approve-serving', csr.name, '--dry-run', '-o', 'json'], admin);
    const doc = JSON.parse(r.stdout) as { items: Record<string, unknown>[] };
    expect(Object.keys(doc)).toEqual(['apiVersion', 'kind', 'dryRun', 'items']);
    expect(doc).toMatchObject({
      apiVersion: 'kubectl-certs.io/v1alpha1',
      kind: 'ApproveServingReport',
      dryRun: true,
    });
    const item = doc.items[0] as Record<string, unknown>;
    expect(Object.keys(item).sort()).toEqual(
      ['action', 'checks', 'created', 'decision', 'name', 'node', 'reason', 'requester', 'sans'].sort(),
    );
    expect(item).toMatchObject({
      name: csr.name,
      node: node.name,
      requester: `system:node:${node.name}`,
      decision: 'approve',
      action: 'would approve',
      sans: [`DNS:${node.name}`, `IP:${node.ip}`],
    });
    expect((item.checks as { id: string; outcome: string; message: string }[])[0]).toEqual({
      id: 'signer',
      outcome: 'pass',
      message: 'signer is kubernetes.io/kubelet-serving',
    });
  });
});

describe('kubectl certs rbac', () => {
  it('prints a role that, applied with kubectl, is exactly enough for a plain user to approve', async () => {
    const user = uniqueNodeName('approver');
    const creds = cluster.userCredentials(user);
    const rbac = await runCli(['rbac', '--user', user, '--name', user]);
    expect(rbac.code).toBe(0);
    execFileSync('kubectl', ['--kubeconfig', cluster.adminKubeconfig, 'apply', '-f', '-'], {
      input: rbac.stdout,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const node = await addNode(cluster, uniqueNodeName('granted'));
    const csr = await fileServingCsr(cluster, node);
    const r = await runCli(['approve-serving', '--node', node.name], { KUBECONFIG: creds.kubeconfig });
    expect(r.stderr).toBe('1 approved, 0 refused, 0 undecided, 0 ignored, 0 errors\n');
    expect(r.code).toBe(0);
    await waitForIssued(cluster, csr.name);
  });
});

describe('in-cluster', () => {
  it("with no kubeconfig, uses the pod's service account (as a Deployment would) and approves", async () => {
    const sa = uniqueNodeName('approver-sa');
    kubectl('create', 'serviceaccount', sa, '-n', 'default');
    const rbac = await runCli(['rbac', '--serviceaccount', `default:${sa}`, '--name', sa]);
    execFileSync('kubectl', ['--kubeconfig', cluster.adminKubeconfig, 'apply', '-f', '-'], {
      input: rbac.stdout,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let secret = '';
    for (let i = 0; i < 100 && !secret; i++) {
      secret = kubectl('get', 'serviceaccount', sa, '-n', 'default', '-o', 'jsonpath={.secrets[0].name}');
      if (!secret) await new Promise((r) => setTimeout(r, 100));
    }
    const root = mkdtempSync(join(tmpdir(), 'kc-pod-'));
    const mount = join(root, 'var/run/secrets/kubernetes.io/serviceaccount');
    mkdirSync(mount, { recursive: true });
    for (const key of ['token', 'ca.crt', 'namespace']) {
      const b64 = kubectl(
        'get',
        'secret',
        secret,
        '-n',
        'default',
        '-o',
        `jsonpath={.data.${key.replace('.', '\\.')}}`,
      );
      writeFileSync(join(mount, key), Buffer.from(b64, 'base64'));
    }
    const node = await addNode(cluster, uniqueNodeName('pod'));
    const csr = await fileServingCsr(cluster, node);
    const r = await runCli(['approve-serving', '--node', node.name], {
      KUBERNETES_SERVICE_HOST: '127.0.0.1',
      KUBERNETES_SERVICE_PORT: new URL(cluster.server).port,
      KUBECTL_CERTS_IN_CLUSTER_ROOT: root,
    });
    rmSync(root, { recursive: true, force: true });
    expect(r.stderr).toBe('1 approved, 0 refused, 0 undecided, 0 ignored, 0 errors\n');
    expect(r.code).toBe(0);
    await waitForIssued(cluster, csr.name);
  });
});
