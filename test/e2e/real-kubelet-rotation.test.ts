import { type ChildProcess, spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster } from '../sandbox/cluster.ts';
import { RealNode } from '../sandbox/real-node.ts';
import { CLI, runCli } from './cli.ts';

// The signing duration is the controller-manager's, for every certificate: this file has a
// cluster of its own. The signer backdates notBefore by 5 minutes, so 8 minutes leaves 3 minutes
// of validity, and a kubelet rotates at 70-90 % of the lifetime: 0.6 to 2.2 minutes after issue.
const SIGNING_DURATION = '8m';
/** The bootstrap certificate and two rotations of each node. */
const CERTIFICATES_PER_NODE = 3;

let cluster: Cluster;
let nodes: RealNode[] = [];
let watcher: ChildProcess;
let stdout = '';
let stderr = '';

beforeAll(async () => {
  cluster = await Cluster.start({ signingDuration: SIGNING_DURATION });
  watcher = spawn(process.execPath, [CLI, 'approve-serving', '--all', '--watch'], {
    env: { PATH: process.env.PATH, HOME: '/nonexistent', KUBECONFIG: cluster.adminKubeconfig },
  });
  watcher.stdout?.on('data', (d) => (stdout += d));
  watcher.stderr?.on('data', (d) => (stderr += d));
  nodes = await Promise.all(['rot-1', 'rot-2', 'rot-3'].map((name) => RealNode.start(cluster, { name })));
}, 180_000);
afterAll(async () => {
  watcher?.kill('SIGKILL');
  await Promise.all(nodes.map((n) => n.stop()));
  await cluster?.stop();
});

interface Decided {
  name: string;
  approvals: number;
  denials: number;
  issued: boolean;
}

async function decided(node: RealNode): Promise<Decided[]> {
  return (await node.servingCsrs()).map((c) => ({
    name: c.metadata.name,
    approvals: c.status?.conditions?.filter((x) => x.type === 'Approved').length ?? 0,
    denials: c.status?.conditions?.filter((x) => x.type === 'Denied').length ?? 0,
    issued: Boolean(c.status?.certificate),
  }));
}

/** What each kubelet serves right now: it must never be an expired certificate. */
async function checkServedValid(seen: Map<string, Set<string>>): Promise<void> {
  for (const node of nodes) {
    const pem = (await node.servedChain().catch(() => []))[0];
    if (!pem) continue; // no certificate yet (bootstrap pending): nothing served, nothing expired
    const cert = new X509Certificate(pem);
    const now = Date.now();
    expect(
      new Date(cert.validTo).getTime(),
      `${node.name} serves ${cert.serialNumber} after its expiry`,
    ).toBeGreaterThan(now);
    expect(new Date(cert.validFrom).getTime()).toBeLessThanOrEqual(now);
    seen.get(node.name)?.add(cert.serialNumber);
  }
}

describe('kubelet serving certificate rotation on real kubelets', () => {
  it(
    'approve-serving --all --watch approves every rotation CSR of 3 nodes; no served certificate expires; nothing is decided twice',
    async () => {
      const served = new Map(nodes.map((n) => [n.name, new Set<string>()]));
      const deadline = Date.now() + 9 * 60_000;
      for (;;) {
        await checkServedValid(served);
        const all = await Promise.all(nodes.map(decided));
        const done = all.every((csrs) => csrs.filter((c) => c.issued).length >= CERTIFICATES_PER_NODE);
        // Each kubelet must be serving its latest certificate, not only have it issued.
        if (done && nodes.every((n) => (served.get(n.name)?.size ?? 0) >= CERTIFICATES_PER_NODE)) break;
        if (Date.now() > deadline)
          throw new Error(
            `not every node rotated ${CERTIFICATES_PER_NODE - 1} times: ${JSON.stringify(all)}\nserved: ${JSON.stringify([...served].map(([k, v]) => [k, v.size]))}\n${stderr}`,
          );
        await sleep(5_000);
      }

      for (const node of nodes) {
        const csrs = await decided(node);
        expect(csrs.length, `${node.name} filed a CSR per certificate`).toBeGreaterThanOrEqual(
          CERTIFICATES_PER_NODE,
        );
        for (const c of csrs.filter((x) => x.approvals + x.denials > 0)) {
          expect(c, `${c.name} approved once, never denied`).toMatchObject({ approvals: 1, denials: 0 });
          expect(stdout.split(c.name).length - 1, `${c.name} decided once by the watcher`).toBe(1);
          expect(stdout).toMatch(new RegExp(`${c.name}\\s+${node.name}\\s.*Approved`));
        }
      }
    },
    12 * 60_000,
  );

  it('check-expiration lists the real kubelets serving certificates, soonest first', async () => {
    const r = await runCli(['check-expiration', '-o', 'json'], { KUBECONFIG: cluster.adminKubeconfig });
    const rows = (
      JSON.parse(r.stdout) as {
        items: {
          what: string;
          where: string;
          subject: string;
          issuerKind?: string;
          residualSeconds?: number;
        }[];
      }
    ).items;
    const kubelets = rows.filter((row) => row.what === 'kubelet serving');
    expect(kubelets.map((k) => k.where.split(' ')[1]).sort()).toEqual(nodes.map((n) => n.name).sort());
    for (const k of kubelets) {
      const name = k.where.split(' ')[1];
      expect(k).toMatchObject({
        issuerKind: 'cluster CA',
        subject: `O=system:nodes, CN=system:node:${name}`,
      });
      // 8 minutes minus the 5 backdated: never more than 3 minutes left.
      expect(k.residualSeconds).toBeLessThanOrEqual(180);
    }
    const residuals = kubelets.map((k) => k.residualSeconds ?? Number.NaN);
    expect(residuals).toEqual([...residuals].sort((a, b) => a - b));
    // Soonest first across the whole report: a kubelet leads every longer-lived certificate.
    const first = rows.findIndex((row) => row.what === 'kubelet serving');
    expect(rows.findIndex((row) => row.what === 'API server serving')).toBeGreaterThan(first);
  });
});
