import { type ChildProcess, execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Cluster } from '../sandbox/cluster.ts';
import { type FaultProxy, startFaultProxy } from '../sandbox/fault-proxy.ts';
import { writeKubeconfig } from '../sandbox/kubeconfig.ts';
import { addNode, uniqueNodeName } from '../sandbox/node-identity.ts';
import { fileServingCsr, waitForIssued } from '../sandbox/serving-csr.ts';
import { NO_BACKGROUND_ROUNDS, spawnApprover } from './cli.ts';

// The approver decides every kubelet-serving CSR of the cluster: it gets a cluster of its own. It
// reaches it through a fault proxy that holds, without answering, the requests a case picks: the
// API server "hangs" on them. A held request is never let through; what the proxy lets go of is
// the next one.
let cluster: Cluster;
let proxy: FaultProxy;
let approver: ChildProcess | undefined;
let stdout = '';
let stderr = '';
const CSRS = '/apis/certificates.k8s.io/v1/certificatesigningrequests';
const faults = { holdEvents: false, holdApprovalOnce: '' };

beforeAll(async () => {
  cluster = await Cluster.start();
  proxy = await startFaultProxy(cluster, (req) => {
    if (faults.holdEvents && req.method === 'POST' && /\/events$/.test(req.url ?? '')) return true;
    if (req.method === 'PUT' && req.url === `${CSRS}/${faults.holdApprovalOnce}/approval`) {
      faults.holdApprovalOnce = '';
      return true;
    }
    return false;
  });
  const kubeconfig = writeKubeconfig(
    join(mkdtempSync(join(cluster.dir, 'kc-')), 'kubeconfig'),
    proxy.creds,
    'admin',
  );
  approver = spawnApprover(kubeconfig, [
    '--request-timeout',
    '2s',
    // A refusal would be written as Denied: none may come of a held request.
    '--deny',
    ...NO_BACKGROUND_ROUNDS,
  ]);
  approver.stdout?.on('data', (d) => (stdout += d));
  approver.stderr?.on('data', (d) => (stderr += d));
  await until('leading', () => stderr.includes('became the leader'));
}, 120_000);
afterEach(() => {
  faults.holdEvents = false;
  faults.holdApprovalOnce = '';
});
afterAll(async () => {
  approver?.kill('SIGKILL');
  await proxy?.stop();
  await cluster?.stop();
});

async function until(what: string, cond: () => boolean, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond() && Date.now() < deadline) await sleep(50);
  if (!cond()) throw new Error(`never happened: ${what}\nstdout:\n${stdout}\nstderr:\n${stderr}`);
}

const kubectl = (...args: string[]) =>
  execFileSync('kubectl', ['--kubeconfig', cluster.adminKubeconfig, ...args], {
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'pipe'],
  });
const conditions = (csr: string) => kubectl('get', 'csr', csr, '-o', 'jsonpath={.status.conditions[*].type}');
/** The reasons of the Events about one CSR, as the API server has them. */
const eventReasons = (csr: string) =>
  kubectl(
    'get',
    'events',
    '-n',
    'default',
    '--field-selector',
    `involvedObject.name=${csr}`,
    '-o',
    'jsonpath={.items[*].reason}',
  )
    .split(' ')
    .filter(Boolean);

describe('approver run when the API server holds a request: a timeout is "not now", never a refusal', {
  timeout: 120_000,
}, () => {
  it('an Event POST that hangs is timed out and tried again; approvals go on meanwhile; the Event lands once the API server answers', async () => {
    faults.holdEvents = true;
    const first = await fileServingCsr(cluster, await addNode(cluster, uniqueNodeName('tevent')));
    await waitForIssued(cluster, first.name, 30_000);
    await until('the Event POST timed out and tried again', () =>
      new RegExp(
        `recording an Event for ${first.name}: no answer within 2s \\(--request-timeout\\); trying again in [\\d.]+s`,
      ).test(stderr),
    );
    // Its Event is still being tried: a second CSR is approved all the same.
    const second = await fileServingCsr(cluster, await addNode(cluster, uniqueNodeName('tevent')));
    await waitForIssued(cluster, second.name, 30_000);
    await until('its Event POST timed out too', () =>
      stderr.includes(`recording an Event for ${second.name}: no answer within 2s`),
    );
    expect([eventReasons(first.name), eventReasons(second.name)]).toEqual([[], []]);

    faults.holdEvents = false;
    await until(
      'both Events written',
      () => eventReasons(first.name).length > 0 && eventReasons(second.name).length > 0,
      90_000,
    );
    expect([eventReasons(first.name), eventReasons(second.name)]).toEqual([
      ['KubectlCertsApproved'],
      ['KubectlCertsApproved'],
    ]);
    expect([conditions(first.name), conditions(second.name)]).toEqual(['Approved', 'Approved']);
    // One line per timeout, no stack trace.
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('an approval PUT that hangs is an error row and asked again with backoff, never Denied; approved later', async () => {
    const node = await addNode(cluster, uniqueNodeName('tput'));
    const name = `csr-${node.name}`;
    faults.holdApprovalOnce = name;
    await fileServingCsr(cluster, node, { name });
    // On a loaded machine the retries can miss the 2s bound too, and the backoff doubles (1, 2, 4, 8, 16s).
    await waitForIssued(cluster, name, 60_000);
    expect(proxy.stalled).toContain(`PUT ${CSRS}/${name}/approval`);
    expect(stdout).toMatch(
      new RegExp(
        `^${name}\\s.*Error\\s+writing the decision on ${name}: no answer within 2s \\(--request-timeout\\)$`,
        'm',
      ),
    );
    expect(stderr).toMatch(new RegExp(`^${name}: asking again in [\\d.]+s$`, 'm'));
    expect(conditions(name)).toBe('Approved');
    expect(stdout).not.toMatch(/Denied/);
    await until('its Event written', () => eventReasons(name).length > 0);
    expect(eventReasons(name)).toEqual(['KubectlCertsApproved']);
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});
