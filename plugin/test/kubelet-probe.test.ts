import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCertificates } from '@kubectl-certs/core';
import type { V1Node } from '@kubernetes/client-node';
import { afterAll, describe, expect, it } from 'vitest';
import { kubeletSelfSigned } from '../../test/sandbox/fake-kubelet.ts';
import { issue, makeCa } from '../../test/sandbox/pki.ts';
import { KubeletProber } from '../src/approver/kubelet-probe.ts';
import type { Probe } from '../src/kube/tls-probe.ts';

const dir = mkdtempSync(join(tmpdir(), 'kc-probe-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const clusterCa = makeCa(dir, 'cluster-ca', '/CN=kubernetes', 365);
const caSigned = issue(dir, 'w2', '/O=system:nodes/CN=system:node:w2', clusterCa, [
  'extendedKeyUsage=serverAuth',
  'subjectAltName=DNS:w2,IP:10.0.0.2',
]);
const served: Record<string, Probe> = {
  '10.0.0.1:10250': { ok: true, chain: parseCertificates(kubeletSelfSigned(join(dir, 'w1'), 'w1').cert) },
  '10.0.0.2:10250': { ok: true, chain: parseCertificates(caSigned.cert) },
  '10.0.0.3:10250': { ok: false, error: 'connect ECONNREFUSED 10.0.0.3:10250' },
};

const node = (name: string, addresses: { type: string; address: string }[], port = 10250): V1Node => ({
  metadata: { name },
  status: { addresses, daemonEndpoints: { kubeletEndpoint: { Port: port } } },
});

describe('the kubelet probe (self-signed or CA-signed, as the leader reports it)', () => {
  it('reads each kubelet where metrics-server dials it and says which serves its own self-signed certificate', async () => {
    const dialed: string[] = [];
    const results: Record<string, boolean | string> = {};
    const prober = new KubeletProber(
      async (host, port) => {
        dialed.push(`${host}:${port}`);
        return served[`${host}:${port}`] ?? { ok: false, error: 'unexpected' };
      },
      { intervalMs: 1, concurrency: 2, timeoutMs: 1000 },
      { selfSigned: (n, v) => (results[n] = v), unknown: (n, e) => (results[n] = e) },
    );
    prober.update(
      node('w1', [
        { type: 'Hostname', address: 'w1' },
        { type: 'InternalIP', address: '10.0.0.1' },
      ]),
    );
    prober.update(node('w2', [{ type: 'ExternalIP', address: '10.0.0.2' }]));
    prober.update(node('w3', [{ type: 'InternalIP', address: '10.0.0.3' }]));
    prober.update(node('gone', [{ type: 'InternalIP', address: '10.0.0.9' }]));
    prober.remove('gone');
    prober.update(node('no-address', []));
    await prober.probeAll();
    expect(dialed.sort()).toEqual(['10.0.0.1:10250', '10.0.0.2:10250', '10.0.0.3:10250']);
    expect(results).toEqual({ w1: true, w2: false, w3: 'connect ECONNREFUSED 10.0.0.3:10250' });
  });

  it('probes at most --kubelet-probe-concurrency kubelets at once', async () => {
    let inFlight = 0;
    let most = 0;
    const prober = new KubeletProber(
      async () => {
        most = Math.max(most, ++inFlight);
        await new Promise((r) => setImmediate(r));
        inFlight--;
        return served['10.0.0.2:10250'] as Probe;
      },
      { intervalMs: 1, concurrency: 3, timeoutMs: 1000 },
      { selfSigned: () => {}, unknown: () => {} },
    );
    for (let i = 0; i < 20; i++)
      prober.update(node(`n${i}`, [{ type: 'InternalIP', address: `10.1.0.${i}` }]));
    await prober.probeAll();
    expect(most).toBe(3);
  });
});
