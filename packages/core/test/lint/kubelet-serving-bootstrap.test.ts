import { describe, expect, it } from 'vitest';
import { applyEdits } from '../../src/lint/apply-edits.ts';
import { fixAll as coreFixAll } from '../../src/lint/fix-all.ts';
import { lint } from '../../src/lint/lint.ts';

const RULE = 'kubelet-serving-bootstrap';
const findings = (text: string) => lint(text).filter((f) => f.ruleId === RULE);
const fixAll = (text: string) =>
  applyEdits(
    text,
    findings(text).flatMap((f) => f.fixes[0]?.edits ?? []),
  );

const kubelet = (body: string) => `apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
${body}`;

describe('kubelet-serving-bootstrap: valid', () => {
  it.each([
    ['serverTLSBootstrap and rotation on', kubelet('serverTLSBootstrap: true\nrotateCertificates: true\n')],
    ['serverTLSBootstrap on, rotation unset (defaults to on)', kubelet('serverTLSBootstrap: true\n')],
    ['another kind', 'apiVersion: v1\nkind: ConfigMap\ndata: {}\n'],
  ])('%s', (_n, text) => expect(findings(text)).toEqual([]));
});

describe('kubelet-serving-bootstrap: invalid, with the output of the fix', () => {
  it.each([
    [
      'serverTLSBootstrap absent',
      kubelet('cgroupDriver: systemd # from kubeadm\n'),
      kubelet('cgroupDriver: systemd # from kubeadm\nserverTLSBootstrap: true\n'),
    ],
    [
      'serverTLSBootstrap false',
      kubelet('serverTLSBootstrap: false # why?\n'),
      kubelet('serverTLSBootstrap: true # was false: why?\n'),
    ],
    [
      'rotateCertificates false',
      kubelet('serverTLSBootstrap: true\nrotateCertificates: false\n'),
      kubelet('serverTLSBootstrap: true\nrotateCertificates: true\n'),
    ],
    [
      'static serving files with serverTLSBootstrap',
      kubelet(
        'serverTLSBootstrap: true\ntlsCertFile: /var/lib/kubelet/pki/kubelet.crt\ntlsPrivateKeyFile: /var/lib/kubelet/pki/kubelet.key\nport: 10250\n',
      ),
      kubelet('serverTLSBootstrap: true\nport: 10250\n'),
    ],
    [
      'static serving files without serverTLSBootstrap: one fix sets it and removes them',
      kubelet(
        'tlsCertFile: /etc/kubernetes/pki/kubelet.crt # from our CA\ntlsPrivateKeyFile: /etc/kubernetes/pki/kubelet.key\nport: 10250\n',
      ),
      kubelet('port: 10250\nserverTLSBootstrap: true\n'),
    ],
  ])('%s', (_n, text, fixed) => {
    expect(findings(text).length).toBeGreaterThan(0);
    expect(fixAll(text)).toBe(fixed);
    expect(findings(fixAll(text))).toEqual([]);
  });

  it.each([
    [
      'no serving settings: the kubelet makes a self-signed certificate',
      kubelet('cgroupDriver: systemd\n'),
      /^kubelets serve self-signed certificates /,
      'Set serverTLSBootstrap: true',
    ],
    [
      'static files (perhaps CA-signed): says which file is served and that nobody renews it, not "self-signed"',
      kubelet(
        'tlsCertFile: /etc/kubernetes/pki/kubelet.crt\ntlsPrivateKeyFile: /etc/kubernetes/pki/kubelet.key\n',
      ),
      /^kubelets serve the static certificate in \/etc\/kubernetes\/pki\/kubelet\.crt, which they never renew; clients such as metrics-server verify it only if a CA they trust signed it/,
      'Set serverTLSBootstrap: true and remove tlsCertFile and tlsPrivateKeyFile (with them set, the kubelet keeps serving those files to clients that connect by IP, such as metrics-server)',
    ],
  ])(
    'the message says what is wrong, and the title what the fix removes and why: %s',
    (_n, text, message, title) => {
      const [f, ...rest] = findings(text);
      expect(rest).toEqual([]);
      expect(f?.message).toMatch(message);
      expect(f?.message).not.toMatch(message.source.includes('static') ? /self-signed/ : /static/);
      expect(f?.fixes.map((x) => x.title)).toEqual([title]);
    },
  );

  it('the fix is one edit list: what --fix writes is what the JSON/SARIF fix and the editor apply', () => {
    const text = kubelet('tlsCertFile: /pki/kubelet.crt\ntlsPrivateKeyFile: /pki/kubelet.key\n');
    const [f] = findings(text);
    expect(coreFixAll(text, {}).text).toBe(applyEdits(text, f?.fixes[0]?.edits ?? []));
  });

  it('finds the KubeletConfiguration inside a kubeadm multi-document config and fixes only it', () => {
    const text = `apiVersion: kubeadm.k8s.io/v1beta3
kind: ClusterConfiguration
kubernetesVersion: v1.30.0
---
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
cgroupDriver: systemd
---
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: ipvs
`;
    const [f] = findings(text);
    expect(f?.range.startLine).toBe(6);
    expect(fixAll(text)).toBe(
      text.replace('cgroupDriver: systemd\n', 'cgroupDriver: systemd\nserverTLSBootstrap: true\n'),
    );
  });
});

describe('the engine', () => {
  it('turns a YAML syntax error into one finding with its line and column, never an exception', () => {
    const [f, ...rest] = lint('apiVersion: v1\nkind: Deployment\nspec: [\n');
    expect(rest).toEqual([]);
    expect(f).toMatchObject({
      ruleId: 'yaml-syntax',
      severity: 'error',
      range: { startLine: expect.any(Number) },
    });
    expect(f?.message).toMatch(/^YAML syntax error: /);
  });

  it('gives nothing for YAML that is not a Kubernetes manifest, or for an empty file', () => {
    expect(lint('a: 1\nb: [x, y]\n')).toEqual([]);
    expect(lint('')).toEqual([]);
  });

  it('runs only the chosen rules', () => {
    const text = kubelet('rotateCertificates: false\n');
    expect(lint(text, { disable: [RULE] })).toEqual([]);
    expect(lint(text, { rules: [RULE] }).length).toBe(2);
  });
});
