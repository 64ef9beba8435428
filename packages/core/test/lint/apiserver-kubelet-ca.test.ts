import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { applyEdits } from '../../src/lint/apply-edits.ts';
import { fixAll } from '../../src/lint/fix-all.ts';
import { lint } from '../../src/lint/lint.ts';

const only = (text: string) => lint(text).filter((f) => f.ruleId === 'apiserver-kubelet-ca');
const kubelet = (bootstrap: boolean) =>
  `---\napiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nserverTLSBootstrap: ${bootstrap}\n`;
const cluster = (version: string, body: string) =>
  `apiVersion: kubeadm.k8s.io/${version}\nkind: ClusterConfiguration\nkubernetesVersion: v1.31.4\n${body}`;

function extraArgs(text: string): unknown {
  const doc = parseAllDocuments(text)[0];
  return doc && !Array.isArray(doc)
    ? (doc as { getIn(p: string[]): unknown }).getIn(['apiServer', 'extraArgs'])
    : undefined;
}

describe('apiserver-kubelet-ca', () => {
  it.each([
    ['kubelets still self-signed', cluster('v1beta3', '') + kubelet(false)],
    ['no KubeletConfiguration in the file', cluster('v1beta3', '')],
    [
      'already set (v1beta3 map)',
      cluster(
        'v1beta3',
        'apiServer:\n  extraArgs:\n    kubelet-certificate-authority: /etc/kubernetes/pki/ca.crt\n',
      ) + kubelet(true),
    ],
    [
      'already set (v1beta4 list)',
      cluster(
        'v1beta4',
        'apiServer:\n  extraArgs:\n  - name: kubelet-certificate-authority\n    value: /etc/kubernetes/pki/ca.crt\n',
      ) + kubelet(true),
    ],
  ])('valid: %s', (_n, text) => expect(only(text)).toEqual([]));

  it.each([
    [
      'v1beta3, no apiServer',
      cluster('v1beta3', ''),
      { 'kubelet-certificate-authority': '/etc/kubernetes/pki/ca.crt' },
    ],
    [
      'v1beta3, extraArgs map',
      cluster('v1beta3', 'apiServer:\n  extraArgs:\n    audit-log-maxage: "30" # keep\n'),
      { 'audit-log-maxage': '30', 'kubelet-certificate-authority': '/etc/kubernetes/pki/ca.crt' },
    ],
    [
      'v1beta4, extraArgs list',
      cluster('v1beta4', 'apiServer:\n  extraArgs:\n  - name: audit-log-maxage\n    value: "30"\n'),
      [
        { name: 'audit-log-maxage', value: '30' },
        { name: 'kubelet-certificate-authority', value: '/etc/kubernetes/pki/ca.crt' },
      ],
    ],
    [
      'v1beta4, apiServer without extraArgs',
      cluster('v1beta4', 'apiServer:\n  certSANs: [k8s.example.com]\n'),
      [{ name: 'kubelet-certificate-authority', value: '/etc/kubernetes/pki/ca.crt' }],
    ],
  ])('invalid (info): %s; the fix adds the argument in the file’s style', (_n, head, expected) => {
    const text = head + kubelet(true);
    const [f, ...rest] = only(text);
    expect(rest).toEqual([]);
    expect(f?.severity).toBe('info');
    const out = applyEdits(text, f?.fixes[0]?.edits ?? []);
    expect(JSON.parse(JSON.stringify(extraArgs(out)))).toEqual(expected);
    expect(only(out)).toEqual([]);
  });
});

/** /etc/kubernetes/manifests/kube-apiserver.yaml as kubeadm v1.31 writes it. */
const staticPod = readFileSync(new URL('fixtures/kube-apiserver.yaml', import.meta.url), 'utf8');
const LAST_FLAG = '    - --tls-private-key-file=/etc/kubernetes/pki/apiserver.key\n';
const FLAG = '--kubelet-certificate-authority=/etc/kubernetes/pki/ca.crt';
const TITLE =
  'Verify kubelets from the API server (kubelet-certificate-authority=/etc/kubernetes/pki/ca.crt); cluster-wide: kubectl logs and exec then fail on every kubelet that still serves a self-signed certificate';

describe('apiserver-kubelet-ca: kube-apiserver static Pod', () => {
  it.each([
    ['the flag with =', staticPod.replace(LAST_FLAG, `${LAST_FLAG}    - ${FLAG}\n`)],
    [
      'the flag and its value as two items',
      staticPod.replace(
        LAST_FLAG,
        `${LAST_FLAG}    - --kubelet-certificate-authority\n    - /etc/kubernetes/pki/ca.crt\n`,
      ),
    ],
    ['another Pod', staticPod.replaceAll('kube-apiserver', 'kube-scheduler')],
  ])('valid: %s', (_n, text) => expect(only(text)).toEqual([]));

  it.each([
    ['kubeadm static Pod (flags in command)', staticPod, LAST_FLAG, `    - ${FLAG}\n`],
    [
      'flags in args, another client CA',
      staticPod
        .replace('  - command:\n    - kube-apiserver\n', '  - args:\n')
        .replace('--client-ca-file=/etc/kubernetes/pki/ca.crt', '--client-ca-file=/srv/kubernetes/ca.crt'),
      LAST_FLAG,
      '    - --kubelet-certificate-authority=/srv/kubernetes/ca.crt\n',
    ],
    [
      'a mirror Pod in a List (kubectl get pods -n kube-system -o yaml)',
      `apiVersion: v1\nitems:\n${staticPod.replace(/^(?=.)/gm, '  ').replace(/^ {2}/, '- ')}kind: List\nmetadata:\n  resourceVersion: ""\n`,
      `  ${LAST_FLAG}`,
      `      - ${FLAG}\n`,
    ],
    ['CRLF', staticPod.replace(/\n/g, '\r\n'), LAST_FLAG.replace('\n', '\r\n'), `    - ${FLAG}\r\n`],
  ])('invalid (info): %s; the fix appends the flag after the last one', (_n, text, after, added) => {
    const [f, ...rest] = only(text);
    expect(rest).toEqual([]);
    expect([f?.severity, text.slice(f?.range.start, f?.range.end)]).toEqual(['info', 'kube-apiserver']);
    expect(f?.message).toMatch(
      /^kube-apiserver runs without --kubelet-certificate-authority: the API server does not verify the kubelets/,
    );
    expect(
      f?.fixes.map((x) => [x.title.replace(/=\/srv\/kubernetes\//, '=/etc/kubernetes/pki/'), x.clusterWide]),
    ).toEqual([[TITLE, true]]);
    const out = applyEdits(text, f?.fixes[0]?.edits ?? []);
    expect(out).toBe(text.replace(after, `${after}${added}`));
    expect(only(out)).toEqual([]);
  });
});

describe('apiserver-kubelet-ca: the fix is cluster-wide, never applied by a plain fix-all', () => {
  const kubeadm =
    cluster('v1beta3', 'apiServer:\n  extraArgs:\n    audit-log-maxage: "30"\n') + kubelet(true);
  it.each([
    ['a kube-apiserver static Pod', staticPod],
    ['a kubeadm ClusterConfiguration', kubeadm],
  ])('%s', (_n, text) => {
    expect(only(text)[0]?.fixes[0]?.clusterWide).toBe(true);
    expect(fixAll(text, {})).toEqual({ text, applied: 0, fixed: [] });
    const asked = fixAll(text, {}, { clusterWide: true });
    expect([asked.applied, asked.fixed.map((f) => f.ruleId)]).toEqual([1, ['apiserver-kubelet-ca']]);
    expect(only(asked.text)).toEqual([]);
  });
});
