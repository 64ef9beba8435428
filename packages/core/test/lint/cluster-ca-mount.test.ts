import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { applyEdits } from '../../src/lint/apply-edits.ts';
import { lint } from '../../src/lint/lint.ts';

const preferred = (id: string, text: string) => lint(text).find((f) => f.ruleId === id)?.fixes[0];
const podSpec = (text: string) => parseDocument(text).toJS().spec.template.spec;

/** A metrics-server Deployment whose container and pod spec end with the given lines. */
const deployment = (container: string, pod = '') => `apiVersion: apps/v1
kind: Deployment
metadata: {name: metrics-server, namespace: kube-system}
spec:
  template:
    spec:
      containers:
${container}${pod}`;

describe('insecure-kubelet-tls: the preferred fix (CA flag + mount) in flow style', () => {
  it.each([
    [
      'flow args, flow volumeMounts and volumes: each list gets one more item',
      deployment(
        '      - name: metrics-server\n        image: registry.k8s.io/metrics-server/metrics-server:v0.7.2\n        args: [--cert-dir=/tmp, --kubelet-insecure-tls]\n        volumeMounts: [{name: tmp, mountPath: /tmp}] # scratch\n',
        '      volumes: [{name: tmp, emptyDir: {}}]\n',
      ),
      deployment(
        '      - name: metrics-server\n        image: registry.k8s.io/metrics-server/metrics-server:v0.7.2\n        args: [--cert-dir=/tmp, --kubelet-certificate-authority=/etc/kubernetes/kubelet-ca/ca.crt]\n        volumeMounts: [{name: tmp, mountPath: /tmp}, {name: kube-root-ca, mountPath: /etc/kubernetes/kubelet-ca, readOnly: true}] # scratch\n',
        '      volumes: [{name: tmp, emptyDir: {}}, {name: kube-root-ca, configMap: {name: kube-root-ca.crt, items: [{key: ca.crt, path: ca.crt}]}}]\n',
      ),
    ],
    [
      'empty flow lists',
      deployment(
        '      - name: metrics-server\n        image: registry.k8s.io/metrics-server/metrics-server:v0.7.2\n        args: [--kubelet-insecure-tls]\n        volumeMounts: []\n',
        '      volumes: []\n',
      ),
      deployment(
        '      - name: metrics-server\n        image: registry.k8s.io/metrics-server/metrics-server:v0.7.2\n        args: [--kubelet-certificate-authority=/etc/kubernetes/kubelet-ca/ca.crt]\n        volumeMounts: [{name: kube-root-ca, mountPath: /etc/kubernetes/kubelet-ca, readOnly: true}]\n',
        '      volumes: [{name: kube-root-ca, configMap: {name: kube-root-ca.crt, items: [{key: ca.crt, path: ca.crt}]}}]\n',
      ),
    ],
    [
      'a container written as one flow map gets its volumeMounts key',
      deployment(
        '      - {name: metrics-server, image: registry.k8s.io/metrics-server/metrics-server:v0.7.2, args: [--kubelet-insecure-tls]}\n',
      ),
      deployment(
        '      - {name: metrics-server, image: registry.k8s.io/metrics-server/metrics-server:v0.7.2, args: [--kubelet-certificate-authority=/etc/kubernetes/kubelet-ca/ca.crt], volumeMounts: [{name: kube-root-ca, mountPath: /etc/kubernetes/kubelet-ca, readOnly: true}]}\n',
        '      volumes:\n      - name: kube-root-ca\n        configMap:\n          name: kube-root-ca.crt\n          items:\n          - key: ca.crt\n            path: ca.crt\n',
      ),
    ],
  ])('%s', (_n, text, fixed) => {
    const fix = preferred('insecure-kubelet-tls', text);
    expect(fix?.title).toBe(
      'Verify kubelets with the cluster CA (mount kube-root-ca.crt, use --kubelet-certificate-authority)',
    );
    const out = applyEdits(text, fix?.edits ?? []);
    expect(out).toBe(fixed);
    expect(lint(out)).toEqual([]);
  });
});

describe('the kube-root-ca.crt volume the pod already has is reused, never added twice', () => {
  const container = (mounts: string) =>
    `      - name: metrics-server\n        image: registry.k8s.io/metrics-server/metrics-server:v0.7.2\n        args:\n        - --kubelet-insecure-tls\n${mounts}`;
  const rootCa = (name: string, items = '') =>
    `      volumes:\n      - name: ${name}\n        configMap:\n          name: kube-root-ca.crt\n${items}`;

  it.each([
    [
      'mounted at another path: the flag points there and nothing is mounted',
      deployment(
        container('        volumeMounts:\n        - {name: cluster-ca, mountPath: /etc/cluster-ca/}\n'),
        rootCa('cluster-ca'),
      ),
      'Verify kubelets with the cluster CA already mounted at /etc/cluster-ca/ca.crt (--kubelet-certificate-authority)',
      '--kubelet-certificate-authority=/etc/cluster-ca/ca.crt',
    ],
    [
      'mounted with items that rename ca.crt',
      deployment(
        container('        volumeMounts:\n        - {name: cluster-ca, mountPath: /etc/ssl/k8s}\n'),
        rootCa('cluster-ca', '          items: [{key: ca.crt, path: root.pem}]\n'),
      ),
      'Verify kubelets with the cluster CA already mounted at /etc/ssl/k8s/root.pem (--kubelet-certificate-authority)',
      '--kubelet-certificate-authority=/etc/ssl/k8s/root.pem',
    ],
    [
      'the service account volume of an exported Pod (projected, kube-root-ca.crt among its sources)',
      `apiVersion: v1
kind: Pod
metadata: {name: metrics-server-7d9f, namespace: kube-system}
spec:
  containers:
  - name: metrics-server
    image: registry.k8s.io/metrics-server/metrics-server:v0.7.2
    args:
    - --kubelet-insecure-tls
    volumeMounts:
    - mountPath: /var/run/secrets/kubernetes.io/serviceaccount
      name: kube-api-access-x2x8d
      readOnly: true
  volumes:
  - name: kube-api-access-x2x8d
    projected:
      sources:
      - serviceAccountToken: {expirationSeconds: 3607, path: token}
      - configMap:
          name: kube-root-ca.crt
          items: [{key: ca.crt, path: ca.crt}]
`,
      'Verify kubelets with the cluster CA already mounted at /var/run/secrets/kubernetes.io/serviceaccount/ca.crt (--kubelet-certificate-authority)',
      '--kubelet-certificate-authority=/var/run/secrets/kubernetes.io/serviceaccount/ca.crt',
    ],
  ])('insecure-kubelet-tls, %s', (_n, text, title, flag) => {
    const fix = preferred('insecure-kubelet-tls', text);
    expect(fix?.title).toBe(title);
    const out = applyEdits(text, fix?.edits ?? []);
    expect(out).toBe(text.replace('--kubelet-insecure-tls', flag));
    expect(lint(out)).toEqual([]);
  });

  it('insecure-kubelet-tls, a volume the container does not mount yet: only a volumeMount of it is added', () => {
    const text = deployment(container(''), rootCa('cluster-ca'));
    const out = applyEdits(text, preferred('insecure-kubelet-tls', text)?.edits ?? []);
    expect(podSpec(out)).toMatchObject({
      containers: [
        {
          args: ['--kubelet-certificate-authority=/etc/kubernetes/kubelet-ca/ca.crt'],
          volumeMounts: [{ name: 'cluster-ca', mountPath: '/etc/kubernetes/kubelet-ca', readOnly: true }],
        },
      ],
      volumes: [{ name: 'cluster-ca', configMap: { name: 'kube-root-ca.crt' } }],
    });
    expect(podSpec(out).volumes).toHaveLength(1);
    expect(lint(out)).toEqual([]);
  });

  it('kubelet-ca-mount, the flag names a directory nothing mounts: the existing volume is mounted there', () => {
    const text = deployment(
      '      - name: metrics-server\n        image: registry.k8s.io/metrics-server/metrics-server:v0.7.2\n        args:\n        - --kubelet-certificate-authority=/etc/ca/ca.crt\n        volumeMounts:\n        - {name: cluster-ca, mountPath: /etc/cluster-ca}\n',
      rootCa('cluster-ca'),
    );
    const fix = preferred('kubelet-ca-mount', text);
    expect(fix?.title).toBe('Mount kube-root-ca.crt at /etc/ca');
    const out = applyEdits(text, fix?.edits ?? []);
    expect(podSpec(out).containers[0].volumeMounts).toEqual([
      { name: 'cluster-ca', mountPath: '/etc/cluster-ca' },
      { name: 'cluster-ca', mountPath: '/etc/ca', readOnly: true },
    ]);
    expect(podSpec(out).volumes).toHaveLength(1);
    expect(lint(out)).toEqual([]);
  });
});
