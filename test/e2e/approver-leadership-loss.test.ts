import { type ChildProcess, execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster } from '../sandbox/cluster.ts';
import { type FaultProxy, startFaultProxy } from '../sandbox/fault-proxy.ts';
import { writeKubeconfig } from '../sandbox/kubeconfig.ts';
import { addNode, uniqueNodeName } from '../sandbox/node-identity.ts';
import { fileServingCsr } from '../sandbox/serving-csr.ts';
import { NO_BACKGROUND_ROUNDS, spawnApprover } from './cli.ts';

// The approver decides every kubelet-serving CSR of the cluster: it gets a cluster of its own. It
// reaches it through a fault proxy that holds an approval write (so approvals stay busy and the
// Events of refusals wait in the queue) and then fails its Lease renewals (so it loses the Lease
// with those Events queued, without SIGTERM).
let cluster: Cluster;
let proxy: FaultProxy;
let approver: ChildProcess | undefined;
const LEASE_NAME = 'leadership-loss';
const faults = { holdApprovals: false, leaseDown: false };

beforeAll(async () => {
  cluster = await Cluster.start();
  proxy = await startFaultProxy(
    cluster,
    (req) => faults.holdApprovals && req.method === 'PUT' && (req.url ?? '').endsWith('/approval'),
    (req) =>
      faults.leaseDown && req.method === 'PUT' && (req.url ?? '').includes(`/leases/${LEASE_NAME}`)
        ? { status: 500, message: 'etcdserver: request timed out' }
        : undefined,
  );
}, 120_000);
afterAll(async () => {
  approver?.kill('SIGKILL');
  await proxy?.stop();
  await cluster?.stop();
});

const kubectl = (...args: string[]) =>
  execFileSync('kubectl', ['--kubeconfig', cluster.adminKubeconfig, ...args], {
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'pipe'],
  });
/** The CSRs that have a KubectlCertsRefused Event. */
const refusedEvents = () =>
  (
    JSON.parse(
      kubectl(
        'get',
        'events',
        '-n',
        'default',
        '--field-selector',
        'reason=KubectlCertsRefused',
        '-o',
        'json',
      ),
    ) as { items: { involvedObject: { name: string } }[] }
  ).items.map((e) => e.involvedObject.name);

describe('approver run loses its Lease with Events queued', { timeout: 120_000 }, () => {
  it('writes the Events of the decisions it made, and names none as lost', async () => {
    const kubeconfig = writeKubeconfig(
      join(mkdtempSync(join(cluster.dir, 'kc-')), 'kubeconfig'),
      proxy.creds,
      'admin',
    );
    let stdout = '';
    let stderr = '';
    approver = spawnApprover(kubeconfig, [
      '--lease-name',
      LEASE_NAME,
      // The held approval stays in flight (approvals busy) for the whole test.
      '--request-timeout',
      '100s',
      ...NO_BACKGROUND_ROUNDS,
    ]);
    approver.stdout?.on('data', (d) => (stdout += d));
    approver.stderr?.on('data', (d) => (stderr += d));
    const until = async (what: string, cond: () => boolean) => {
      const deadline = Date.now() + 30_000;
      while (!cond() && Date.now() < deadline) await sleep(50);
      if (!cond()) throw new Error(`never happened: ${what}\nstdout:\n${stdout}\nstderr:\n${stderr}`);
    };
    await until('leading', () => stderr.includes('became the leader'));

    // An honest CSR: approved, but its write is held, so approvals are busy from now on.
    faults.holdApprovals = true;
    const node = await addNode(cluster, uniqueNodeName('wloss'));
    const honest = await fileServingCsr(cluster, node);
    await until('the approval write held', () => proxy.stalled.some((r) => r.includes(honest.name)));
    // Forged CSRs (filed by the admin for that node): refused, left Pending, their Events queued.
    const forged: string[] = [];
    for (let i = 0; i < 3; i++)
      forged.push((await fileServingCsr(cluster, cluster.admin, { forNode: node })).name);
    await until('the forged CSRs refused', () =>
      forged.every((n) => new RegExp(`${n}.*Refused \\(left Pending\\)`).test(stdout)),
    );
    expect(refusedEvents().filter((n) => forged.includes(n))).toEqual([]); // held: approvals are busy

    // The Lease cannot be renewed any more: leading ends past the renew deadline, with them queued.
    faults.leaseDown = true;
    await until('leading lost', () => stderr.includes('no longer the leader'));
    await until('the queued Events written', () => forged.every((n) => refusedEvents().includes(n)));
    expect(stderr).not.toMatch(/Events not written/);
    expect(stderr).not.toMatch(/recording an Event/);
  });
});
