import { describe, expect, it } from 'vitest';
import { applyEdits } from '../../src/lint/apply-edits.ts';
import { lint } from '../../src/lint/lint.ts';

const metricsServer = (args: string[]) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: metrics-server}
spec:
  template:
    spec:
      containers:
      - name: metrics-server
        image: registry.k8s.io/metrics-server/metrics-server:v0.7.2
        args:
${args.map((a) => `        - ${a}`).join('\n')}
`;

const apiService = (spec: string) => `apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata:
  name: v1beta1.metrics.k8s.io
spec:
  group: metrics.k8s.io
${spec}  version: v1beta1
`;

describe('insecure-with-ca', () => {
  it('valid: only the CA flag', () => {
    expect(
      lint(
        metricsServer([
          '--kubelet-certificate-authority=/var/run/secrets/kubernetes.io/serviceaccount/ca.crt',
        ]),
      ),
    ).toEqual([]);
  });

  it('invalid: both flags is an error; its fix removes the insecure flag, and the other rule offers no second CA flag', () => {
    const text = metricsServer([
      '--kubelet-insecure-tls',
      '--kubelet-certificate-authority=/var/run/secrets/kubernetes.io/serviceaccount/ca.crt',
    ]);
    const found = lint(text);
    expect(found.map((f) => [f.ruleId, f.severity])).toEqual([
      ['insecure-kubelet-tls', 'warning'],
      ['insecure-with-ca', 'error'],
    ]);
    expect(found[0]?.fixes.map((f) => f.title)).toEqual([
      'Remove --kubelet-insecure-tls (metrics-server then verifies kubelets with the in-cluster CA)',
    ]);
    const out = applyEdits(text, found[1]?.fixes[0]?.edits ?? []);
    expect(out).toBe(
      metricsServer(['--kubelet-certificate-authority=/var/run/secrets/kubernetes.io/serviceaccount/ca.crt']),
    );
    expect(lint(out)).toEqual([]);
  });
});

describe('apiservice-insecure-with-cabundle', () => {
  it.each([
    ['a caBundle alone', '  caBundle: LS0tLS1CRUdJTg==\n'],
    [
      'insecureSkipTLSVerify: false with a caBundle',
      '  insecureSkipTLSVerify: false\n  caBundle: LS0tLS1CRUdJTg==\n',
    ],
  ])('valid: %s', (_n, spec) => {
    expect(lint(apiService(spec)).filter((f) => f.ruleId === 'apiservice-insecure-with-cabundle')).toEqual(
      [],
    );
  });

  it('invalid: both, fixed by removing insecureSkipTLSVerify (its comment line stays)', () => {
    const text = apiService(
      '  # verified by the bundle below\n  insecureSkipTLSVerify: true\n  caBundle: LS0tLS1CRUdJTg==\n',
    );
    const [f] = lint(text).filter((x) => x.ruleId === 'apiservice-insecure-with-cabundle');
    expect(f).toMatchObject({ severity: 'error', range: { startLine: 8 } });
    expect(applyEdits(text, f?.fixes[0]?.edits ?? [])).toBe(
      apiService('  # verified by the bundle below\n  caBundle: LS0tLS1CRUdJTg==\n'),
    );
  });
});
