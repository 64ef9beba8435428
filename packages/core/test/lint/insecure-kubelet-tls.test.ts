import { describe, expect, it } from 'vitest';
import { applyEdits } from '../../src/lint/apply-edits.ts';
import { lint } from '../../src/lint/lint.ts';

const RULE = 'insecure-kubelet-tls';
const findings = (text: string) => lint(text).filter((f) => f.ruleId === RULE);

/** metrics-server's components.yaml Deployment, trimmed, with a comment on the flag. */
const deployment = (args: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: metrics-server
  namespace: kube-system
spec:
  template:
    spec:
      containers:
      - name: metrics-server
        image: registry.k8s.io/metrics-server/metrics-server:v0.7.2
        # keep the args in this order
${args}
        volumeMounts:
        - mountPath: /tmp
          name: tmp-dir
      volumes:
      - emptyDir: {}
        name: tmp-dir
`;
const blockArgs = `        args:
        - --cert-dir=/tmp
        - --kubelet-insecure-tls # TODO: remove once kubelets serve CA-signed certs
        - --secure-port=10250`;

describe('insecure-kubelet-tls: valid', () => {
  it.each([
    ['without the flag', deployment('        args:\n        - --cert-dir=/tmp')],
    [
      'with --kubelet-insecure-tls=false',
      deployment('        args:\n        - --kubelet-insecure-tls=false'),
    ],
    [
      'with the flag only in a comment',
      deployment('        args:\n        # - --kubelet-insecure-tls\n        - --cert-dir=/tmp'),
    ],
    [
      'another image with the flag',
      deployment(blockArgs)
        .replace('metrics-server/metrics-server', 'example/other')
        .replace('- name: metrics-server', '- name: other'),
    ],
    ['not Kubernetes YAML at all', 'args:\n- --kubelet-insecure-tls\n'],
  ])('%s', (_n, text) => expect(findings(text)).toEqual([]));
});

describe('insecure-kubelet-tls: invalid', () => {
  it.each([
    ['a block sequence item', blockArgs, '--kubelet-insecure-tls', 15],
    [
      'a flow sequence item',
      '        args: [--cert-dir=/tmp, --kubelet-insecure-tls]',
      '--kubelet-insecure-tls',
      13,
    ],
    ['a quoted item', '        args:\n        - "--kubelet-insecure-tls"', '"--kubelet-insecure-tls"', 14],
    [
      '--flag=true',
      '        args:\n        - --kubelet-insecure-tls=true',
      '--kubelet-insecure-tls=true',
      14,
    ],
    [
      'in command',
      '        command:\n        - /metrics-server\n        - --kubelet-insecure-tls',
      '--kubelet-insecure-tls',
      15,
    ],
  ])('%s', (_n, args, source, line) => {
    const text = deployment(args);
    const [f, ...rest] = findings(text);
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ severity: 'warning', range: { startLine: line } });
    expect(text.slice(f?.range.start, f?.range.end)).toBe(source);
    expect(f?.message).toMatch(/kubectl certs inspect-kubelet, kubectl certs approve-serving/);
  });
});

describe('insecure-kubelet-tls: output of the fixes', () => {
  it('(a) mounts kube-root-ca.crt, points --kubelet-certificate-authority at it, and keeps every comment (the one on the flag marked as about the old flag)', () => {
    const text = deployment(blockArgs);
    const [f] = findings(text);
    expect(f?.fixes[0]?.title).toMatch(/^Verify kubelets with the cluster CA/);
    expect(applyEdits(text, f?.fixes[0]?.edits ?? [])).toBe(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: metrics-server
  namespace: kube-system
spec:
  template:
    spec:
      containers:
      - name: metrics-server
        image: registry.k8s.io/metrics-server/metrics-server:v0.7.2
        # keep the args in this order
        args:
        - --cert-dir=/tmp
        - --kubelet-certificate-authority=/etc/kubernetes/kubelet-ca/ca.crt # was --kubelet-insecure-tls: TODO: remove once kubelets serve CA-signed certs
        - --secure-port=10250
        volumeMounts:
        - mountPath: /tmp
          name: tmp-dir
        - name: kube-root-ca
          mountPath: /etc/kubernetes/kubelet-ca
          readOnly: true
      volumes:
      - emptyDir: {}
        name: tmp-dir
      - name: kube-root-ca
        configMap:
          name: kube-root-ca.crt
          items:
          - key: ca.crt
            path: ca.crt
`);
  });

  it('(b) removes the flag and nothing else', () => {
    const text = deployment(blockArgs);
    const [f] = findings(text);
    expect(applyEdits(text, f?.fixes[1]?.edits ?? [])).toBe(
      text.replace(
        '        - --kubelet-insecure-tls # TODO: remove once kubelets serve CA-signed certs\n',
        '',
      ),
    );
  });

  it('(b) in flow style removes the item and its comma', () => {
    const text = deployment('        args: [--cert-dir=/tmp, --kubelet-insecure-tls, --secure-port=10250]');
    const [f] = findings(text);
    expect(applyEdits(text, f?.fixes.at(-1)?.edits ?? [])).toContain(
      '        args: [--cert-dir=/tmp, --secure-port=10250]\n',
    );
  });

  it('(a) keeps double quotes and CRLF line endings', () => {
    const text = deployment('        args:\n        - "--kubelet-insecure-tls"').replaceAll('\n', '\r\n');
    const [f] = findings(text);
    const out = applyEdits(text, f?.fixes[0]?.edits ?? []);
    expect(out).toContain(
      '        - "--kubelet-certificate-authority=/etc/kubernetes/kubelet-ca/ca.crt"\r\n',
    );
    expect(out).toContain(
      '        - name: kube-root-ca\r\n          mountPath: /etc/kubernetes/kubelet-ca\r\n          readOnly: true\r\n',
    );
    expect(out.replaceAll('\r\n', '')).not.toContain('\n');
  });

  it('(a) adds volumeMounts and volumes when the manifest has none', () => {
    const text = `kind: Deployment
apiVersion: apps/v1
spec:
  template:
    spec:
      containers:
        - name: metrics-server
          image: registry.k8s.io/metrics-server/metrics-server:v0.7.2
          args:
            - --kubelet-insecure-tls
`;
    const [f] = findings(text);
    expect(applyEdits(text, f?.fixes[0]?.edits ?? [])).toBe(`kind: Deployment
apiVersion: apps/v1
spec:
  template:
    spec:
      containers:
        - name: metrics-server
          image: registry.k8s.io/metrics-server/metrics-server:v0.7.2
          args:
            - --kubelet-certificate-authority=/etc/kubernetes/kubelet-ca/ca.crt
          volumeMounts:
          - name: kube-root-ca
            mountPath: /etc/kubernetes/kubelet-ca
            readOnly: true
      volumes:
      - name: kube-root-ca
        configMap:
          name: kube-root-ca.crt
          items:
          - key: ca.crt
            path: ca.crt
`);
  });

  it.each([0, 1])(
    'fix %i is idempotent: linting the result finds nothing, and the YAML still parses',
    (i) => {
      const text = deployment(blockArgs);
      const out = applyEdits(text, findings(text)[0]?.fixes[i]?.edits ?? []);
      expect(lint(out)).toEqual([]);
    },
  );
});
