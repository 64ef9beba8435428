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
      groupVars('kubelet_rotate_server_certificates: true # was false: self-signed for now\n'),
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

/** inventory/sample/group_vars/k8s_cluster/addons.yml as Kubespray ships it (shortened), with metrics-server on. */
const addons = (metricsServer: string) => `---
# Helm deployment
helm_enabled: false

# Metrics Server deployment
${metricsServer}# metrics_server_resizer: false
# metrics_server_kubelet_insecure_tls: true
# metrics_server_metric_resolution: 15s
# metrics_server_kubelet_preferred_address_types: "InternalIP"

# Cert manager deployment
cert_manager_enabled: false

# Kube VIP
kube_vip_enabled: false
# kube_vip_arp_enabled: true
`;

/** group_vars/k8s_cluster/k8s-cluster.yml (shortened), where Kubespray keeps the kubelet variables. */
const k8sCluster = (kubelet: string, metricsServer: string) => `---
kube_version: v1.31.4
kube_network_plugin: calico

## kubelet
kubelet_rotate_certificates: true
${kubelet}
## Metrics Server (kept here in an all-in-one inventory)
${metricsServer}
# The plugin manager for kubectl
krew_enabled: false
`;

describe('kubespray-metrics-server-insecure', () => {
  const only = (text: string) => lint(text).filter((f) => f.ruleId === 'kubespray-metrics-server-insecure');

  it.each([
    ['metrics-server not deployed', addons('metrics_server_enabled: false\n')],
    [
      'insecure TLS off',
      addons('metrics_server_enabled: true\nmetrics_server_kubelet_insecure_tls: false\n'),
    ],
  ])('valid: %s', (_n, text) => expect(only(text)).toEqual([]));

  it.each([
    [
      "addons.yml, left at kubespray's default: both variables go next to metrics_server_enabled, not after # Kube VIP",
      addons('metrics_server_enabled: true\n'),
      'metrics_server_enabled: true',
      /defaults to true/,
      'Set kubelet_rotate_server_certificates: true (kubelets serve CA-signed certificates) and metrics_server_kubelet_insecure_tls: false',
      addons(
        'metrics_server_enabled: true\nmetrics_server_kubelet_insecure_tls: false\nkubelet_rotate_server_certificates: true\n',
      ),
    ],
    [
      'addons.yml, insecure TLS stated after other metrics-server variables',
      addons(
        'metrics_server_enabled: true\nmetrics_server_kubelet_insecure_tls: true # for now\nmetrics_server_metric_resolution: 15s\n',
      ),
      'metrics_server_kubelet_insecure_tls: true # for now',
      /is true/,
      'Set kubelet_rotate_server_certificates: true (kubelets serve CA-signed certificates) and metrics_server_kubelet_insecure_tls: false',
      addons(
        'metrics_server_enabled: true\nmetrics_server_kubelet_insecure_tls: false # was true: for now\nmetrics_server_metric_resolution: 15s\nkubelet_rotate_server_certificates: true\n',
      ),
    ],
    [
      'k8s-cluster.yml with kubelet_rotate_server_certificates: false: the fix sets it true where it is',
      k8sCluster('kubelet_rotate_server_certificates: false\n', 'metrics_server_enabled: true\n'),
      'metrics_server_enabled: true',
      /defaults to true/,
      'Set kubelet_rotate_server_certificates: true (kubelets serve CA-signed certificates) and metrics_server_kubelet_insecure_tls: false',
      k8sCluster(
        'kubelet_rotate_server_certificates: true\n',
        'metrics_server_enabled: true\nmetrics_server_kubelet_insecure_tls: false\n',
      ),
    ],
    [
      'k8s-cluster.yml without it: it goes next to the other kubelet variables',
      k8sCluster('', 'metrics_server_enabled: true\n'),
      'metrics_server_enabled: true',
      /defaults to true/,
      'Set kubelet_rotate_server_certificates: true (kubelets serve CA-signed certificates) and metrics_server_kubelet_insecure_tls: false',
      k8sCluster(
        'kubelet_rotate_server_certificates: true\n',
        'metrics_server_enabled: true\nmetrics_server_kubelet_insecure_tls: false\n',
      ),
    ],
    [
      'kubelets already rotate serving certificates: only the metrics-server variable',
      k8sCluster('kubelet_rotate_server_certificates: true\n', 'metrics_server_enabled: true\n'),
      'metrics_server_enabled: true',
      /defaults to true/,
      'Set metrics_server_kubelet_insecure_tls: false (kubelet_rotate_server_certificates is true)',
      k8sCluster(
        'kubelet_rotate_server_certificates: true\n',
        'metrics_server_enabled: true\nmetrics_server_kubelet_insecure_tls: false\n',
      ),
    ],
  ])('invalid: %s', (_n, text, line, message, title, fixed) => {
    const [f, ...rest] = only(text);
    expect(rest).toEqual([]);
    expect(f?.message).toMatch(message);
    expect(text.split('\n')[(f?.range.startLine ?? 0) - 1]).toBe(line);
    expect(f?.fixes.map((x) => x.title)).toEqual([title]);
    const out = applyEdits(text, f?.fixes[0]?.edits ?? []);
    expect(out).toBe(fixed);
    expect(lint(out).filter((x) => x.ruleId.startsWith('kubespray-'))).toEqual([]);
  });

  it.each([
    [
      'the approver is off: serving CSRs would stay Pending',
      k8sCluster(
        'kubelet_rotate_server_certificates: true\nkubelet_csr_approver_enabled: false\n',
        'metrics_server_enabled: true\n',
      ),
      /No fix: kubelet_csr_approver_enabled is false, so the kubelets' serving CSRs stay Pending/,
    ],
    [
      'rotation is an expression Ansible decides',
      k8sCluster(
        'kubelet_rotate_server_certificates: "{{ secure_kubelets }}"\n',
        'metrics_server_enabled: true\n',
      ),
      /No fix: kubelet_rotate_server_certificates is an expression/,
    ],
  ])('refuses to fix when verification would break metrics-server: %s', (_n, text, message) => {
    const [f, ...rest] = only(text);
    expect(rest).toEqual([]);
    expect(f?.message).toMatch(message);
    expect(f?.fixes).toEqual([]);
  });
});
