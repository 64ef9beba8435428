import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { apiCall } from '../sandbox/api.ts';
import { startDnsServer } from '../sandbox/dns-server.ts';
import { type FaultAnswer, startFaultProxy } from '../sandbox/fault-proxy.ts';
import { writeKubeconfig } from '../sandbox/kubeconfig.ts';
import { addNode, randomLoopbackIp, uniqueNodeName } from '../sandbox/node-identity.ts';
import { fileServingCsr, waitForIssued } from '../sandbox/serving-csr.ts';
import { CLI, runCli, withResolvConf } from './cli.ts';
import { sharedCluster } from './shared-cluster.ts';

const cluster = sharedCluster();
const admin = { KUBECONFIG: cluster.adminKubeconfig };
const CSRS = '/apis/certificates.k8s.io/v1/certificatesigningrequests';
const scratch = mkdtempSync(join(tmpdir(), 'kc-faults-'));
let watcher: ChildProcess | undefined;
afterAll(() => {
  watcher?.kill('SIGKILL');
});

function kubectl(...args: string[]): string {
  return execFileSync('kubectl', ['--kubeconfig', cluster.adminKubeconfig, ...args], {
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}
const conditions = (csr: string) => kubectl('get', 'csr', csr, '-o', 'jsonpath={.status.conditions[*].type}');

/** A kubeconfig (admin) that reaches the cluster through a fault proxy. */
function proxiedKubeconfig(creds: Parameters<typeof writeKubeconfig>[1]): string {
  return writeKubeconfig(join(mkdtempSync(join(scratch, 'kc-')), 'kubeconfig'), creds, 'admin');
}

/** A DNS server on a loopback address of its own and a resolv.conf naming only it. */
async function dnsServer() {
  const server = await startDnsServer(randomLoopbackIp());
  const resolvConf = join(mkdtempSync(join(scratch, 'dns-')), 'resolv.conf');
  writeFileSync(resolvConf, `nameserver ${server.address}\noptions timeout:1 attempts:1\n`);
  return { server, resolvConf };
}

const isNodeList = (method?: string, url?: string) =>
  method === 'GET' && /^\/api\/v1\/nodes(\?|$)/.test(url ?? '');

describe('approve-serving on the real API server: its own trouble is never a refusal', () => {
  it.each<[string, { answer?: FaultAnswer; stall?: boolean }, RegExp]>([
    [
      'listing Nodes answers 503',
      { answer: { status: 503, message: 'etcdserver: request timed out' } },
      /could not list Nodes \(listing Nodes: HTTP 503: etcdserver: request timed out\)/,
    ],
    [
      'listing Nodes answers 403',
      {
        answer: { status: 403, message: 'nodes is forbidden: User "approver" cannot list resource "nodes"' },
      },
      /could not list Nodes \(listing Nodes: forbidden: nodes is forbidden/,
    ],
    [
      'listing Nodes never answers',
      { stall: true },
      /could not list Nodes \(listing Nodes: no answer within 2s \(--request-timeout\)\)/,
    ],
  ])(
    'when %s, an honest CSR is undecided: nothing written even with --deny (exit 4)',
    async (_n, fault, reason) => {
      const node = await addNode(cluster, uniqueNodeName('trouble'));
      const csr = await fileServingCsr(cluster, node);
      const proxy = await startFaultProxy(
        cluster,
        (req) => fault.stall === true && isNodeList(req.method, req.url),
        (req) => (fault.answer && isNodeList(req.method, req.url) ? fault.answer : undefined),
      );
      try {
        const r = await runCli(['approve-serving', csr.name, '--deny', '--request-timeout', '2s'], {
          KUBECONFIG: proxiedKubeconfig(proxy.creds),
        });
        expect(r.stdout).toMatch(
          new RegExp(
            `^${csr.name}\\s.*Undecided \\(left Pending\\)\\s+cannot decide now: node-exists: `,
            'm',
          ),
        );
        expect(r.stdout).toMatch(reason);
        expect(r.stderr).toBe('0 approved, 0 refused, 1 undecided, 0 ignored, 0 errors\n');
        expect(r.code).toBe(4);
        expect([...proxy.answered, ...proxy.stalled].some((c) => c.includes('/api/v1/nodes'))).toBe(true);
        expect(conditions(csr.name)).toBe('');
      } finally {
        await proxy.stop();
      }
    },
  );

  it('a 409 on the write, then the CSR deleted meanwhile (404 on the re-read), is a row saying so', async () => {
    const node = await addNode(cluster, uniqueNodeName('gone'));
    const csr = await fileServingCsr(cluster, node);
    const proxy = await startFaultProxy(
      cluster,
      () => false,
      async (req) => {
        if (req.method !== 'PUT' || req.url !== `${CSRS}/${csr.name}/approval`) return undefined;
        await apiCall(cluster.admin, 'DELETE', `${CSRS}/${csr.name}`);
        return {
          status: 409,
          message: 'the object has been modified; please apply your changes to the latest version',
        };
      },
    );
    try {
      const r = await runCli(['approve-serving', csr.name, '-o', 'json'], {
        KUBECONFIG: proxiedKubeconfig(proxy.creds),
      });
      expect(r.stderr).toBe('');
      expect(JSON.parse(r.stdout).items).toMatchObject([
        {
          name: csr.name,
          decision: 'ignore',
          action: 'deleted meanwhile',
          reason: 'deleted by someone else meanwhile: nothing to decide',
        },
      ]);
      expect(r.code).toBe(0);
      expect(proxy.answered).toEqual([`409 PUT ${CSRS}/${csr.name}/approval`]);
    } finally {
      await proxy.stop();
    }
  });

  it('refuses a request for basicConstraints CA:TRUE and, with --deny, names the extension in the Denied condition', async () => {
    const node = await addNode(cluster, uniqueNodeName('ca'));
    const csr = await fileServingCsr(cluster, node, { extensions: ['basicConstraints = critical,CA:TRUE'] });
    const r = await runCli(['approve-serving', csr.name, '--deny'], admin);
    expect(r.code).toBe(3);
    expect(conditions(csr.name)).toBe('Denied');
    expect(kubectl('get', 'csr', csr.name, '-o', 'jsonpath={.status.conditions[0].message}')).toBe(
      'kubectl-certs approve-serving refused it: extensions: the request asks for an extension a kubelet never requests: 2.5.29.19 (basicConstraints)',
    );
  });

  it.each<[string, 'a' | 'nxdomain' | 'servfail', string, number]>([
    ['a name resolving only to the node: approved', 'a', 'Approved', 0],
    ['a name that does not exist (NXDOMAIN): refused', 'nxdomain', 'Refused (left Pending)', 3],
    [
      'a resolver answering SERVFAIL: undecided, nothing written even with --deny',
      'servfail',
      'Undecided (left Pending)',
      4,
    ],
  ])('--resolve-dns asks the resolver of resolv.conf; %s', async (_n, record, label, code) => {
    const { server, resolvConf } = await dnsServer();
    try {
      const node = await addNode(cluster, uniqueNodeName('dns'));
      server.records.set(node.name, record === 'a' ? { a: [node.ip] } : record);
      const csr = await fileServingCsr(cluster, node);
      const r = await runCli(
        ['approve-serving', csr.name, '--resolve-dns', ...(code === 3 ? [] : ['--deny'])],
        admin,
        { resolvConf },
      );
      expect(r.stdout).toMatch(new RegExp(`^${csr.name}\\s.*${label.replace(/[()]/g, '\\$&')}`, 'm'));
      expect(r.code).toBe(code);
      expect(server.asked).toContain(`A ${node.name}`);
      expect(conditions(csr.name)).toBe(code === 0 ? 'Approved' : '');
    } finally {
      await server.stop();
    }
  });
});

describe('approve-serving --watch on the real API server', () => {
  it('passes DNS answers, asks again while it cannot decide, retries a failed write, and approves a CSR filed before its Node once the Node registers; nothing is denied meanwhile', async () => {
    const { server, resolvConf } = await dnsServer();
    const names = {
      dns: uniqueNodeName('wdns'),
      flaky: uniqueNodeName('wflaky'),
      early: uniqueNodeName('wearly'),
      slow: uniqueNodeName('wslow'),
    };
    const stuckCsr = `csr-${names.slow}`;
    let stalledOnce = false;
    const proxy = await startFaultProxy(cluster, (req) => {
      if (stalledOnce || req.method !== 'PUT' || req.url !== `${CSRS}/${stuckCsr}/approval`) return false;
      stalledOnce = true;
      return true;
    });
    let stdout = '';
    let stderr = '';
    const until = async (what: string, cond: () => boolean) => {
      for (let i = 0; i < 600 && !cond(); i++) await sleep(50);
      if (!cond()) throw new Error(`never happened: ${what}\nstdout:\n${stdout}\nstderr:\n${stderr}`);
    };
    try {
      const [cmd, ...args] = withResolvConf(resolvConf, [
        process.execPath,
        CLI,
        'approve-serving',
        '--watch',
        '--resolve-dns',
        '--deny',
        '--request-timeout',
        '3s',
        ...Object.values(names).flatMap((n) => ['--node', n]),
      ]);
      watcher = spawn(cmd as string, args, {
        env: { PATH: process.env.PATH, HOME: '/nonexistent', KUBECONFIG: proxiedKubeconfig(proxy.creds) },
      });
      watcher.stdout?.on('data', (d) => (stdout += d));
      watcher.stderr?.on('data', (d) => (stderr += d));
      await until('the watch to start', () =>
        stderr.includes('watching kubelet-serving CSRs from resourceVersion'),
      );

      const dnsNode = await addNode(cluster, names.dns);
      server.records.set(names.dns, { a: [dnsNode.ip] });
      const dnsCsr = await fileServingCsr(cluster, dnsNode);
      await waitForIssued(cluster, dnsCsr.name);

      const flaky = await addNode(cluster, names.flaky);
      server.records.set(names.flaky, 'servfail');
      const flakyCsr = await fileServingCsr(cluster, flaky);
      await until('the flaky CSR undecided', () => new RegExp(`${flakyCsr.name}.*Undecided`).test(stdout));
      server.records.set(names.flaky, { a: [flaky.ip] });
      await waitForIssued(cluster, flakyCsr.name, 30_000);

      const earlyIdentity = await addNode(cluster, names.early, { noNode: true });
      const earlyCsr = await fileServingCsr(cluster, earlyIdentity);
      await until('the early CSR refused', () =>
        new RegExp(`${earlyCsr.name}.*Refused \\(left Pending\\)\\s+node-exists`).test(stdout),
      );
      expect(conditions(earlyCsr.name)).toBe('');
      const early = await addNode(cluster, names.early, { ip: earlyIdentity.ip });
      server.records.set(names.early, { a: [early.ip] });
      await waitForIssued(cluster, earlyCsr.name, 30_000);

      const slow = await addNode(cluster, names.slow);
      server.records.set(names.slow, { a: [slow.ip] });
      await fileServingCsr(cluster, slow, { name: stuckCsr });
      await waitForIssued(cluster, stuckCsr, 30_000);
      expect(stdout).toMatch(
        new RegExp(`^${stuckCsr}\\s.*Error\\s+writing the decision on ${stuckCsr}: no answer within 3s`, 'm'),
      );
      expect(proxy.stalled).toEqual([`PUT ${CSRS}/${stuckCsr}/approval`]);

      for (const csr of [dnsCsr.name, flakyCsr.name, earlyCsr.name, stuckCsr])
        expect(conditions(csr), csr).toBe('Approved');
      expect(stdout).not.toMatch(/Denied/);
      const exited = new Promise<number | null>((r) => watcher?.on('exit', (c) => r(c)));
      watcher.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      watcher?.kill('SIGKILL');
      await proxy.stop();
      await server.stop();
    }
  });
});
