import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { applyEdits } from '../../src/lint/apply-edits.ts';
import { lint } from '../../src/lint/lint.ts';

/** A metrics-server Deployment with the given args, container mounts and pod volumes (YAML lines). */
const deployment = (
  args: string[],
  mounts: string[] = [],
  volumes: string[] = [],
  podExtra = '',
) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: metrics-server, namespace: kube-system}
spec:
  template:
    spec:${podExtra}
      containers:
      - name: metrics-server
        image: registry.k8s.io/metrics-server/metrics-server:v0.7.2
        args:
${args.map((a) => `        - ${a}`).join('\n')}
${mounts.length ? `        volumeMounts:\n${mounts.map((m) => `        ${m}`).join('\n')}\n` : ''}${volumes.length ? `      volumes:\n${volumes.map((v) => `      ${v}`).join('\n')}\n` : ''}`;

const CA = '--kubelet-certificate-authority=/etc/kubernetes/kubelet-ca/ca.crt';
const caMount = ['- name: ca', '  mountPath: /etc/kubernetes/kubelet-ca'];
const rootCaVolume = (items: string) => [
  '- name: ca',
  '  configMap:',
  '    name: kube-root-ca.crt',
  ...items.split('\n').filter(Boolean),
];
const only = (id: string, text: string) => lint(text).filter((f) => f.ruleId === id);

describe('kubelet-ca-mount: valid', () => {
  it.each([
    ['kube-root-ca.crt mounted where the flag points', deployment([CA], caMount, rootCaVolume(''))],
    [
      'kube-root-ca.crt with the ca.crt item',
      deployment([CA], caMount, rootCaVolume('    items:\n    - key: ca.crt\n      path: ca.crt')),
    ],
    [
      'the service account CA, mounted by Kubernetes',
      deployment(['--kubelet-certificate-authority=/var/run/secrets/kubernetes.io/serviceaccount/ca.crt']),
    ],
    [
      'a Secret without items (its keys live in the cluster)',
      deployment([CA], caMount, ['- name: ca', '  secret: {secretName: kubelet-ca}']),
    ],
    [
      'a subPath mount of the file itself',
      deployment(
        [CA],
        ['- name: ca', '  mountPath: /etc/kubernetes/kubelet-ca/ca.crt', '  subPath: ca.crt'],
        rootCaVolume(''),
      ),
    ],
    [
      'the value as the next item',
      deployment(
        ['--kubelet-certificate-authority', '/etc/kubernetes/kubelet-ca/ca.crt'],
        caMount,
        rootCaVolume(''),
      ),
    ],
    [
      'a redundant slash in the path',
      deployment(
        ['--kubelet-certificate-authority=/etc/kubernetes//kubelet-ca/ca.crt'],
        caMount,
        rootCaVolume(''),
      ),
    ],
  ])('%s', (_n, text) => expect(only('kubelet-ca-mount', text)).toEqual([]));
});

describe('kubelet-ca-mount: invalid', () => {
  it.each([
    ['no volumeMount holds the path', deployment([CA]), /is not in any volumeMount/],
    [
      'the service account CA with automountServiceAccountToken: false',
      deployment(
        ['--kubelet-certificate-authority=/var/run/secrets/kubernetes.io/serviceaccount/ca.crt'],
        [],
        [],
        '\n      automountServiceAccountToken: false',
      ),
      /is not in any volumeMount/,
    ],
    ['a mount of no volume', deployment([CA], caMount, []), /refers to no volume/],
    [
      'items that do not include the file',
      deployment([CA], caMount, rootCaVolume('    items:\n    - key: ca.crt\n      path: root.pem')),
      /holds root.pem, not ca.crt/,
    ],
    [
      'kube-root-ca.crt without items, another file name',
      deployment(
        ['--kubelet-certificate-authority=/etc/kubernetes/kubelet-ca/root.pem'],
        caMount,
        rootCaVolume(''),
      ),
      /holds ca.crt, not root.pem/,
    ],
    [
      'a key kube-root-ca.crt does not have',
      deployment([CA], caMount, rootCaVolume('    items:\n    - key: root.pem\n      path: ca.crt')),
      /has only the key ca.crt, not "root.pem"/,
    ],
    ['a flag without value', deployment(['--kubelet-certificate-authority']), /has no value/],
  ])('%s', (_n, text, message) => {
    const found = only('kubelet-ca-mount', text);
    expect(found.map((f) => [f.severity, f.message])).toEqual([['error', expect.stringMatching(message)]]);
  });
});

describe('kubelet-ca-mount: output of the fix', () => {
  it('mounts kube-root-ca.crt at the directory the flag names, under the file name it names, once', () => {
    const text = deployment(
      ['--kubelet-certificate-authority=/etc/ca/root.pem'],
      ['- name: tmp', '  mountPath: /tmp'],
      ['- name: tmp', '  emptyDir: {}'],
    );
    const [f] = only('kubelet-ca-mount', text);
    expect(f?.fixes.map((x) => x.title)).toEqual(['Mount kube-root-ca.crt at /etc/ca']);
    const out = applyEdits(text, f?.fixes[0]?.edits ?? []);
    expect(parseDocument(out).toJS().spec.template.spec).toMatchObject({
      containers: [
        { volumeMounts: [{ name: 'tmp' }, { name: 'kube-root-ca', mountPath: '/etc/ca', readOnly: true }] },
      ],
      volumes: [
        { name: 'tmp' },
        {
          name: 'kube-root-ca',
          configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'root.pem' }] },
        },
      ],
    });
    expect(lint(out)).toEqual([]);
  });
});

describe('kube-root-ca-lookalike', () => {
  const withConfigMap = (name: string) =>
    deployment([CA], caMount, ['- name: ca', '  configMap:', `    name: ${name}`]);
  it.each(['kube-root-ca.crt', 'metrics-server-config', 'extension-apiserver-authentication'])(
    'valid: %s',
    (name) => expect(only('kube-root-ca-lookalike', withConfigMap(name))).toEqual([]),
  );
  it('valid: a look-alike the same file defines', () => {
    const text = `${withConfigMap('cluster-root-ca')}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: cluster-root-ca}\ndata: {ca.crt: x}\n`;
    expect(only('kube-root-ca-lookalike', text)).toEqual([]);
  });
  it.each([
    'cluster-root-ca',
    'kube-root-ca',
    'kube-root-ca-crt',
    'kube-root-ca.cert',
    'kube_root_ca.crt',
    'root-ca',
  ])('invalid: %s, fixed to kube-root-ca.crt', (name) => {
    const text = withConfigMap(name);
    const [f, ...rest] = only('kube-root-ca-lookalike', text);
    expect(rest).toEqual([]);
    expect(text.slice(f?.range.start, f?.range.end)).toBe(name);
    const out = applyEdits(text, f?.fixes[0]?.edits ?? []);
    expect(out).toBe(withConfigMap('kube-root-ca.crt'));
    expect(lint(out)).toEqual([]);
  });
  it('invalid: in a projected volume source', () => {
    const text = deployment([CA], caMount, [
      '- name: ca',
      '  projected:',
      '    sources:',
      '    - configMap: {name: cluster-root-ca}',
    ]);
    expect(only('kube-root-ca-lookalike', text)).toHaveLength(1);
  });
});

describe('tls-cert-key-pair', () => {
  const tlsMount = ['- name: tls', '  mountPath: /etc/tls'];
  const tlsSecret = ['- name: tls', '  secret: {secretName: metrics-server-tls}'];
  const CERT = '--tls-cert-file=/etc/tls/tls.crt';
  const KEY = '--tls-private-key-file=/etc/tls/tls.key';
  it.each([
    ['neither flag', deployment(['--cert-dir=/tmp'])],
    ['both, from a mounted Secret', deployment([CERT, KEY], tlsMount, tlsSecret)],
  ])('valid: %s', (_n, text) => expect(only('tls-cert-key-pair', text)).toEqual([]));
  it.each([
    [
      'the certificate without the key',
      deployment([CERT], tlsMount, tlsSecret),
      [/--tls-cert-file without --tls-private-key-file/],
    ],
    [
      'the key without the certificate',
      deployment([KEY], tlsMount, tlsSecret),
      [/--tls-private-key-file without --tls-cert-file/],
    ],
    [
      'both, not mounted',
      deployment([CERT, KEY]),
      [/tls.crt is not in any volumeMount/, /tls.key is not in any volumeMount/],
    ],
    [
      'both, the Secret items lack the key',
      deployment([CERT, KEY], tlsMount, [
        '- name: tls',
        '  secret:',
        '    secretName: metrics-server-tls',
        '    items:',
        '    - {key: tls.crt, path: tls.crt}',
      ]),
      [/tls.key is not among the files of volume tls \(tls.crt\)/],
    ],
  ])('invalid: %s', (_n, text, messages) => {
    const found = only('tls-cert-key-pair', text);
    expect(found.map((f) => f.message)).toEqual(messages.map((m) => expect.stringMatching(m)));
    expect(found.every((f) => f.severity === 'error')).toBe(true);
  });
});
