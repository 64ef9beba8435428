import { describe, expect, it } from 'vitest';
import { configzCheck } from '../src/kubelet/configz-check.ts';
import { judgeKubelet, type KubeletEvidence } from '../src/kubelet/kubelet-verdict.ts';
import { pendingCsrsCheck } from '../src/kubelet/pending-serving-csr.ts';

// What Node's TLS client reports when a kubelet without a serving certificate refuses the handshake.
const NODE_ALERT_80 =
  'C0D7A1B4FB7F0000:error:0A000438:SSL routines:ssl3_read_bytes:tlsv1 alert internal error:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:916:SSL alert number 80\n';

function unservedEvidence(over: Partial<KubeletEvidence>): KubeletEvidence {
  return {
    node: 'worker-1',
    addresses: [
      { type: 'InternalIP', address: '10.0.0.11' },
      { type: 'Hostname', address: 'worker-1' },
    ],
    port: 10250,
    preferredAddressTypes: ['InternalIP', 'ExternalIP', 'Hostname'],
    served: { ok: false, error: NODE_ALERT_80 },
    roots: { ok: true, certs: [], source: 'kube-root-ca.crt' },
    configz: {
      ok: false,
      forbidden: false,
      error: 'HTTP 500: error trying to reach service: remote error: tls: internal error',
    },
    pendingCsrs: ['csr-7xk2p'],
    now: new Date(),
    ...over,
  };
}

describe('a kubelet whose serving CSR waits for approval', () => {
  it.each([
    ["Node's OpenSSL wording (alert 80)", NODE_ALERT_80],
    ["Go's wording", 'remote error: tls: internal error'],
  ])('is told apart from a network failure by the TLS alert: %s', async (_, error) => {
    const v = await judgeKubelet(unservedEvidence({ served: { ok: false, error } }));
    expect(v.cause).toBe(
      'no serving certificate yet: CSR csr-7xk2p is Pending (until one is approved the kubelet fails every TLS handshake: remote error: tls: internal error)',
    );
    expect(v.remediation[0]).toBe(
      "Approve the kubelet's serving CSR (pending now: csr-7xk2p): kubectl certs approve-serving --node worker-1",
    );
    expect(v.remediation.join('\n')).not.toMatch(/reachable/);
    expect(v.checks.map((c) => [c.id, c.outcome])).toEqual([
      ['reachable', 'fail'],
      ['configz', 'skip'],
      ['pending-csrs', 'info'],
    ]);
  });

  it.each([
    ['the same alert without a pending CSR', NODE_ALERT_80, []],
    ['a refused connection, even with a pending CSR', 'connect ECONNREFUSED 10.0.0.11:10250', ['csr-7xk2p']],
  ])('is not assumed for %s: the kubelet must be made reachable', async (_, error, pendingCsrs) => {
    const v = await judgeKubelet(unservedEvidence({ served: { ok: false, error }, pendingCsrs }));
    // The probe's error is already in Go's words (go-dial-error.ts): the cause is that, unchanged.
    expect(v.cause).toBe(error);
    expect(v.remediation[0]).toMatch(/^Make the kubelet reachable/);
  });
});

describe('the pending-csrs check', () => {
  it.each([
    {
      behaviour: 'a failed list is unknown and says why, never "no pending CSR"',
      evidence: { ok: false as const, error: 'listing CSRs: forbidden: User "u" cannot list resource' },
      expected: {
        outcome: 'skip',
        message: 'unknown: cannot list CSRs: listing CSRs: forbidden: User "u" cannot list resource',
      },
    },
    {
      behaviour: 'an empty list passes',
      evidence: { ok: true as const, names: [] },
      expected: { outcome: 'pass', message: 'no pending kubelet-serving CSR' },
    },
    {
      behaviour: 'pending CSRs are named',
      evidence: { ok: true as const, names: ['csr-a', 'csr-b'] },
      expected: { outcome: 'info', message: 'pending kubelet-serving CSRs of this node: csr-a, csr-b' },
    },
  ])('$behaviour', ({ evidence, expected }) => {
    expect(pendingCsrsCheck(evidence)).toEqual({ id: 'pending-csrs', ...expected });
  });

  it('reaches the verdict: a failed list gives an unknown check, not a pass', async () => {
    const v = await judgeKubelet(
      unservedEvidence({
        served: { ok: false, error: 'connect ECONNREFUSED 10.0.0.11:10250' },
        pendingCsrs: [],
        pendingCsrsError: 'listing CSRs: HTTP 500: etcdserver: request timed out',
      }),
    );
    expect(v.checks.find((c) => c.id === 'pending-csrs')).toEqual({
      id: 'pending-csrs',
      outcome: 'skip',
      message: 'unknown: cannot list CSRs: listing CSRs: HTTP 500: etcdserver: request timed out',
    });
  });
});

describe('the configz check, as the kubelet serialises its configuration (false values omitted)', () => {
  it.each([
    {
      behaviour: 'an omitted serverTLSBootstrap (an explicit false) reads "false (or not set)" and fails',
      configz: { ok: true as const, rotateCertificates: true },
      expected: {
        outcome: 'fail',
        message: 'serverTLSBootstrap: false (or not set), rotateCertificates: true',
      },
    },
    {
      behaviour: 'an explicit false (other serialisers) reads "false"',
      configz: { ok: true as const, serverTLSBootstrap: false, rotateCertificates: true },
      expected: { outcome: 'fail', message: 'serverTLSBootstrap: false, rotateCertificates: true' },
    },
    {
      behaviour: 'serverTLSBootstrap true passes, an omitted rotateCertificates is named as such',
      configz: { ok: true as const, serverTLSBootstrap: true },
      expected: {
        outcome: 'pass',
        message: 'serverTLSBootstrap: true, rotateCertificates: false (or not set)',
      },
    },
    {
      behaviour: "an unreadable /configz is skipped in the API server's words",
      configz: {
        ok: false as const,
        forbidden: false,
        error: 'HTTP 500: error trying to reach service: remote error: tls: internal error',
      },
      expected: {
        outcome: 'skip',
        message:
          'cannot read /configz: HTTP 500: error trying to reach service: remote error: tls: internal error',
      },
    },
  ])('$behaviour', ({ configz, expected }) => {
    expect(configzCheck(configz)).toEqual({ id: 'configz', ...expected });
  });
});
