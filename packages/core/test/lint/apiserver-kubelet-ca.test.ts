import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { applyEdits } from '../../src/lint/apply-edits.ts';
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
