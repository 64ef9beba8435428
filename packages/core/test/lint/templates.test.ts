import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { lint } from '../../src/lint/lint.ts';

const fixture = (name: string) => readFileSync(new URL(`fixtures/${name}`, import.meta.url), 'utf8');
/** The metrics-server chart's templates, and a kubeadm config template as Ansible roles keep them. */
const chartDeployment = fixture('metrics-server-chart/templates/deployment.yaml');
const chartApiService = fixture('metrics-server-chart/templates/apiservice.yaml');
const kubeadmJinja = fixture('kubeadm-config.v1beta3.yaml.j2');
const HELM =
  /^Not linted: a Helm template .*\(helm template <release> <chart> -f <values\.yaml> \| kubectl certs lint -\), or the values file/;
const JINJA =
  /^Not linted: a Jinja template \(Ansible\) .*lint the file it renders, or the inventory variables it reads/;

describe('template-file: a template is one notice, never a syntax error', () => {
  it.each([
    [
      "the chart's templates/deployment.yaml",
      chartDeployment,
      'chart/templates/deployment.yaml',
      HELM,
      '{{ include "metrics-server.fullname" . }}',
    ],
    [
      'the same text from standard input (no path)',
      chartDeployment,
      undefined,
      HELM,
      '{{ include "metrics-server.fullname" . }}',
    ],
    [
      "the chart's templates/apiservice.yaml (starts with {{- if }})",
      chartApiService,
      'templates/apiservice.yaml',
      HELM,
      '{{- if .Values.apiService.create -}}',
    ],
    [
      'a chart template whose markup happens to parse as YAML',
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: "{{ .Release.Name }}-config"\n',
      'charts/app/templates/configmap.yaml',
      HELM,
      '{{ .Release.Name }}',
    ],
    [
      'a kubeadm config Jinja template (.j2)',
      kubeadmJinja,
      'roles/kubeadm/templates/kubeadm-config.v1beta3.yaml.j2',
      JINJA,
      '{{ ip | default(fallback_ip) }}',
    ],
    [
      'a Jinja template without a path, told by {% %}',
      kubeadmJinja,
      undefined,
      JINJA,
      '{{ ip | default(fallback_ip) }}',
    ],
    [
      'Jinja {{ var }} only, named .yaml',
      'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nclusterDNS:\n- {{ skydns_server }}\n  - x\n',
      'kubelet-config.yaml',
      JINJA,
      '{{ skydns_server }}',
    ],
  ])('%s', (_n, text, path, message, markup) => {
    const findings = lint(text, { path });
    expect(findings.map((f) => [f.ruleId, f.severity, f.fixes])).toEqual([['template-file', 'info', []]]);
    expect(findings[0]?.message).toMatch(message);
    expect(text.slice(findings[0]?.range.start, findings[0]?.range.end)).toBe(markup);
  });

  it('--disable template-file leaves nothing (and still no syntax error)', () =>
    expect(lint(chartDeployment, { disable: ['template-file'] })).toEqual([]));
});

describe('template-file: markup inside valid YAML is just text, linted as usual', () => {
  it.each([
    [
      'a PrometheusRule with {{ $labels }} in an annotation',
      'apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nspec:\n  groups:\n  - rules:\n    - alert: KubeletDown\n      annotations:\n        summary: "{{ $labels.instance }} is down"\n',
      'monitoring/rules.yaml',
      [],
    ],
    [
      'a metrics-server Deployment with quoted markup (cluster templating) and the insecure flag',
      `apiVersion: apps/v1
kind: Deployment
metadata:
  name: metrics-server
spec:
  template:
    metadata:
      annotations:
        logging/destination: "{{.Cluster.ConfigItems.log_destination_infra}}"
    spec:
      containers:
      - name: metrics-server
        image: "registry.k8s.io/metrics-server/metrics-server:{{.Cluster.ConfigItems.metrics_server_version}}"
        args:
        - --kubelet-insecure-tls
`,
      'deploy/metrics-server.yaml',
      ['insecure-kubelet-tls'],
    ],
    [
      'a file under templates/ without markup (Helm outputs it as is)',
      'kind: KubeletConfiguration\napiVersion: kubelet.config.k8s.io/v1beta1\n',
      'chart/templates/kubelet.yaml',
      ['kubelet-serving-bootstrap'],
    ],
  ])('%s', (_n, text, path, rules) => expect(lint(text, { path }).map((f) => f.ruleId)).toEqual(rules));

  it('a syntax error without markup is still a syntax error', () =>
    expect(lint('args: [a\nb: {', { path: 'templates/x.yaml' }).map((f) => f.ruleId)).toEqual([
      'yaml-syntax',
    ]));
});
