import { describe, expect, it } from 'vitest';
import { applyEdits } from '../../src/lint/apply-edits.ts';
import { lint } from '../../src/lint/lint.ts';

const only = (id: string, text: string) => lint(text).filter((f) => f.ruleId === id);
const groupVars = (body: string) =>
  `---\n# inventory/mycluster/group_vars/k8s_cluster/k8s-cluster.yml\nkube_version: v1.31.4\n${body}`;

describe('kubespray-serving-certificates', () => {
  it.each([
    ['the variable true', groupVars('kubelet_rotate_server_certificates: true\n')],
    ['the variable yes (Ansible)', groupVars('kubelet_rotate_server_certificates: yes\n')],
    ['neither variable (kubespray default: approver follows the variable)', groupVars('')],
    [
      'a Jinja expression (unknown until Ansible runs)',
      groupVars('kubelet_rotate_server_certificates: "{{ secure }}"\n'),
    ],
    ['not kubespray variables', 'name: test\nkubelet_rotate_server_certificates_x: false\n'],
  ])('valid: %s', (_n, text) => expect(only('kubespray-serving-certificates', text)).toEqual([]));

  it.each([
    [
      'the variable false',
      groupVars('kubelet_rotate_server_certificates: false # self-signed for now\n'),
      'warning',
      groupVars('kubelet_rotate_server_certificates: true # self-signed for now\n'),
    ],
    [
      'the variable no',
      groupVars('kubelet_rotate_server_certificates: no\n'),
      'warning',
      groupVars('kubelet_rotate_server_certificates: true\n'),
    ],
    [
      'approver on, variable unset',
      groupVars('kubelet_csr_approver_enabled: true\n'),
      'warning',
      groupVars('kubelet_csr_approver_enabled: true\nkubelet_rotate_server_certificates: true\n'),
    ],
    [
      'variable on, approver off (information: CSRs stay Pending)',
      groupVars('kubelet_rotate_server_certificates: true\nkubelet_csr_approver_enabled: false\n'),
      'info',
      undefined,
    ],
  ])('invalid: %s', (_n, text, severity, fixed) => {
    const [f, ...rest] = only('kubespray-serving-certificates', text);
    expect(rest).toEqual([]);
    expect(f?.severity).toBe(severity);
    if (fixed === undefined) return expect(f?.fixes).toEqual([]);
    const out = applyEdits(text, f?.fixes[0]?.edits ?? []);
    expect(out).toBe(fixed);
    expect(only('kubespray-serving-certificates', out)).toEqual([]);
  });
});

describe('kubespray-metrics-server-insecure', () => {
  it.each([
    ['metrics-server not deployed', groupVars('metrics_server_enabled: false\n')],
    [
      'insecure TLS off',
      groupVars('metrics_server_enabled: true\nmetrics_server_kubelet_insecure_tls: false\n'),
    ],
  ])('valid: %s', (_n, text) => expect(only('kubespray-metrics-server-insecure', text)).toEqual([]));

  it.each([
    [
      'insecure TLS stated',
      groupVars('metrics_server_enabled: true\nmetrics_server_kubelet_insecure_tls: true\n'),
      'metrics_server_kubelet_insecure_tls: true',
      /is true/,
      groupVars('metrics_server_enabled: true\nmetrics_server_kubelet_insecure_tls: false\n'),
    ],
    [
      "insecure TLS left at kubespray's default",
      groupVars('metrics_server_enabled: true\n'),
      'metrics_server_enabled: true',
      /defaults to true/,
      groupVars('metrics_server_enabled: true\nmetrics_server_kubelet_insecure_tls: false\n'),
    ],
  ])('invalid: %s', (_n, text, line, message, fixed) => {
    const [f, ...rest] = only('kubespray-metrics-server-insecure', text);
    expect(rest).toEqual([]);
    expect(f?.message).toMatch(message);
    expect(text.split('\n')[(f?.range.startLine ?? 0) - 1]).toBe(line);
    const out = applyEdits(text, f?.fixes[0]?.edits ?? []);
    expect(out).toBe(fixed);
    expect(only('kubespray-metrics-server-insecure', out)).toEqual([]);
  });
});
