import { describe, expect, it } from 'vitest';
import {
  type ApiServiceSummary,
  type MetricsApiAnswer,
  planApiServiceLeg,
} from '../../src/secure/apiservice-leg.ts';
import { OWN_CA_DECISION } from '../../src/secure/cert-manager-liveness.ts';
import { serverTlsBootstrapSteps } from '../../src/secure/kubelet-bootstrap.ts';
import { generateCa } from '../support/generated.ts';

const now = new Date();
const service = { namespace: 'kube-system', name: 'metrics-server' };
// The APIService of metrics-server's release manifest.
const release: ApiServiceSummary = { name: 'v1beta1.metrics.k8s.io', insecureSkipTLSVerify: true, service };
const bundle = (pem: string) => Buffer.from(pem).toString('base64');
const day = 86_400_000;
const caPem = async (name: string, days: number) =>
  (await generateCa(name, new Date(now.getTime() - day), new Date(now.getTime() + days * day))).cert.toString(
    'pem',
  );

describe('the APIService leg', () => {
  it("is ready for the release manifest's APIService, with the names the aggregator dials", () => {
    const plan = planApiServiceLeg(release, false, OWN_CA_DECISION, now);
    expect(plan.state).toBe('ready');
    expect(plan.servingNames).toEqual([
      'metrics-server.kube-system.svc',
      'metrics-server.kube-system',
      'metrics-server',
    ]);
    expect(plan.findings).toEqual([
      'insecureSkipTLSVerify is true: the API server does not verify metrics-server',
      'the APIService has no caBundle: nothing to verify metrics-server with',
      'metrics-server serves a self-signed certificate it makes at start (no --tls-cert-file): no CA can vouch for it',
    ]);
    expect(plan.issuer).toBe('a CA that kubectl-certs creates');
    expect(plan.steps.at(-1)).toMatch(/^verify: GET \/apis\/metrics\.k8s\.io\/v1beta1\/nodes/);
  });

  it.each([
    [
      'found',
      { namespace: 'certs-system', serviceAccount: 'approver', source: 'found', deployment: 'approver' },
      "Secret certs-system/kubectl-certs-metrics-server-ca, readable only by the approver that renews it: service account certs-system/approver, of the approver's Deployment certs-system/approver)",
    ],
    [
      'default',
      { namespace: 'kubectl-certs', serviceAccount: 'kubectl-certs-approver', source: 'default' },
      "Secret kubectl-certs/kubectl-certs-metrics-server-ca, readable only by the approver that renews it: service account kubectl-certs/kubectl-certs-approver: no approver is installed, so approver install's defaults",
    ],
  ] as const)('says where the CA goes and who renews it (approver %s)', (_, approver, text) => {
    const plan = planApiServiceLeg(release, false, OWN_CA_DECISION, now, undefined, undefined, approver);
    expect(plan.steps[0]).toContain(text);
    expect(plan.approver).toEqual(approver);
  });

  it('uses cert-manager when it is chosen, and says why', () => {
    const plan = planApiServiceLeg(release, false, { issuer: 'cert-manager', notes: ['it runs'] }, now);
    expect(plan).toMatchObject({ state: 'ready', issuer: 'cert-manager', issuerNotes: ['it runs'] });
    expect(plan.steps[0]).toMatch(/cert-manager Certificate .* cainjector annotation/);
  });

  it('is blocked when no issuer can be chosen, unless it verifies already', async () => {
    const why = 'cannot tell whether cert-manager runs';
    const undecided = { issuer: 'cert-manager' as const, notes: [], blocked: why };
    const plan = planApiServiceLeg(release, false, undecided, now);
    expect(plan).toMatchObject({ state: 'blocked', steps: [] });
    expect(plan.findings.at(-1)).toBe(why);
    const ca = await caPem('CN=metrics-ca', 30);
    const verified = { ...release, insecureSkipTLSVerify: false, caBundle: bundle(ca) };
    expect(planApiServiceLeg(verified, true, undecided, now).state).toBe('done');
  });

  it('is done with a valid CA in the caBundle, verification on and metrics-server serving its own certificate', async () => {
    const ca = await caPem('CN=metrics-ca', 30);
    const plan = planApiServiceLeg(
      { ...release, insecureSkipTLSVerify: false, caBundle: bundle(ca) },
      true,
      OWN_CA_DECISION,
      now,
    );
    expect(plan).toMatchObject({ state: 'done', findings: [], steps: [] });
  });

  it.each<[string, MetricsApiAnswer, string[]]>([
    ['every node listed through the aggregator', { ok: true, nodes: ['a', 'b'] }, []],
    [
      "the aggregator's refusal, in its words",
      {
        ok: false,
        error: 'HTTP 503: error trying to reach service: x509: certificate signed by unknown authority',
      },
      [
        'GET /apis/metrics.k8s.io/v1beta1/nodes through the API server failed: HTTP 503: error trying to reach service: x509: certificate signed by unknown authority',
      ],
    ],
    [
      'a node missing',
      { ok: true, nodes: ['a'] },
      ['GET /apis/metrics.k8s.io/v1beta1/nodes through the API server lists 1 of 2 nodes (missing: b)'],
    ],
  ])('objects that look right are done only with %s', async (_what, answer, findings) => {
    const ca = await caPem('CN=metrics-ca', 30);
    const api = { ...release, insecureSkipTLSVerify: false, caBundle: bundle(ca) };
    const plan = planApiServiceLeg(api, true, OWN_CA_DECISION, now, { answer, nodes: ['a', 'b'] });
    expect(plan.findings).toEqual(findings);
    expect(plan.state).toBe(findings.length ? 'ready' : 'done');
    expect(plan.metricsApi).toEqual(answer);
  });

  it.each<[string, Partial<ApiServiceSummary>, RegExp]>([
    ['a caBundle that is not base64', { caBundle: 'not base64!' }, /caBundle is not base64/],
    [
      'a caBundle that holds no certificate',
      { caBundle: bundle('hello') },
      /caBundle does not hold PEM certificates/,
    ],
  ])('is not done with %s', (_what, change, finding) => {
    const plan = planApiServiceLeg(
      { ...release, insecureSkipTLSVerify: false, ...change },
      true,
      OWN_CA_DECISION,
      now,
    );
    expect(plan.state).toBe('ready');
    expect(plan.findings).toEqual([expect.stringMatching(finding)]);
  });

  it('is not done with an expired CA in the caBundle', async () => {
    const ca = await caPem('CN=old-metrics-ca', 1);
    const later = new Date(now.getTime() + 3 * day);
    const plan = planApiServiceLeg(
      { ...release, insecureSkipTLSVerify: false, caBundle: bundle(ca) },
      true,
      OWN_CA_DECISION,
      later,
    );
    expect(plan.findings).toEqual([
      expect.stringMatching(/^the caBundle's CA CN=old-metrics-ca expired on /),
    ]);
  });

  it.each<[string, ApiServiceSummary | undefined, string]>([
    [
      'no APIService',
      undefined,
      'there is no APIService v1beta1.metrics.k8s.io: metrics-server is not registered with the aggregator',
    ],
    [
      'a local APIService',
      { name: 'v1beta1.metrics.k8s.io', insecureSkipTLSVerify: false },
      'APIService v1beta1.metrics.k8s.io has no spec.service: the API server serves it, not metrics-server',
    ],
  ])('is blocked with %s', (_what, api, finding) => {
    expect(planApiServiceLeg(api, false, OWN_CA_DECISION, now)).toMatchObject({
      state: 'blocked',
      findings: [finding],
      steps: [],
    });
  });
});

describe('serverTLSBootstrap steps for kubelets that serve self-signed certificates', () => {
  it('with kubeadm: the kubelet-config ConfigMap, then kubeadm phase per node', () => {
    expect(serverTlsBootstrapSteps(['w1', 'w2'], 'kubelet-config')).toEqual([
      'kubectl -n kube-system edit configmap kubelet-config: set serverTLSBootstrap: true in its KubeletConfiguration (new nodes then join with it)',
      'on w1: kubeadm upgrade node phase kubelet-config && systemctl restart kubelet; then kubectl certs approve-serving --node w1',
      'on w2: kubeadm upgrade node phase kubelet-config && systemctl restart kubelet; then kubectl certs approve-serving --node w2',
    ]);
  });

  it("without kubeadm: each node's kubelet config file", () => {
    expect(serverTlsBootstrapSteps(['w1'], undefined)).toEqual([
      "on w1: set serverTLSBootstrap: true in the kubelet's config file (kubeadm and most installers: /var/lib/kubelet/config.yaml) and restart the kubelet; then kubectl certs approve-serving --node w1",
    ]);
  });

  it('nothing when every kubelet already asks', () =>
    expect(serverTlsBootstrapSteps([], 'kubelet-config')).toEqual([]));
});
