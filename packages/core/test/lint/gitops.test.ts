import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { applyEdits } from '../../src/lint/apply-edits.ts';
import { lint } from '../../src/lint/lint.ts';

const crlf = (t: string) => t.replace(/\n/g, '\r\n');
const parses = (t: string) =>
  expect(parseAllDocuments(t).flatMap((d) => ('errors' in d ? d.errors : []))).toEqual([]);

/** An Argo CD Application of the metrics-server chart, its values as a string (spec.source.helm.values). */
const argoValues = (
  header: string,
  values: string,
  repo = 'https://kubernetes-sigs.github.io/metrics-server/',
) =>
  `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: metrics-server
  namespace: argocd
spec:
  project: default
  source:
    chart: metrics-server
    repoURL: ${repo}
    targetRevision: 3.11.0
    helm:
      values: ${header}
${values.replace(/^(?=.)/gm, '        ')}  destination:
    server: https://kubernetes.default.svc
    namespace: kube-system
`;
const insecureValues = `args:
  - --kubelet-preferred-address-types=InternalIP
  - --kubelet-insecure-tls # lab only
resources:
  requests:
    cpu: 50m
`;

describe("Argo CD Application: helm.values (a string) is linted as the chart's values", () => {
  it.each([
    ['|', argoValues('|', insecureValues)],
    ['|-', argoValues('|-', insecureValues)],
    ['|+ with blank lines', argoValues('|+', `${insecureValues}\n\n`)],
    [
      '| with a comment on the header and a blank line inside',
      argoValues('| # prod', insecureValues.replace('resources:', '\nresources:')),
    ],
    ['CRLF', crlf(argoValues('|', insecureValues))],
  ])('%s: the finding is on the flag in the outer file, the fix removes exactly its line', (_n, text) => {
    const [f, ...rest] = lint(text);
    expect(rest).toEqual([]);
    expect(f?.ruleId).toBe('helm-insecure-kubelet-tls');
    expect(text.slice(f?.range.start, f?.range.end)).toBe('--kubelet-insecure-tls');
    const line = text.split(/\r?\n/).findIndex((l) => l.includes('- --kubelet-insecure-tls')) + 1;
    expect([f?.range.startLine, f?.range.startColumn]).toEqual([line, 13]);
    const out = applyEdits(text, f?.fixes[0]?.edits ?? []);
    expect(out).toBe(text.replace(/ {10}- --kubelet-insecure-tls # lab only\r?\n/, ''));
    expect(lint(out)).toEqual([]);
  });

  it('Bitnami: extraArgs in the values string', () => {
    const text = argoValues(
      '|',
      'extraArgs:\n  - --kubelet-insecure-tls=true\napiService:\n  create: true\n',
      'https://charts.bitnami.com/bitnami',
    );
    const [f] = lint(text);
    expect([f?.ruleId, text.slice(f?.range.start, f?.range.end)]).toEqual([
      'helm-insecure-kubelet-tls',
      '--kubelet-insecure-tls=true',
    ]);
    expect(applyEdits(text, f?.fixes[0]?.edits ?? [])).toBe(
      text.replace('extraArgs:\n          - --kubelet-insecure-tls=true\n', 'extraArgs: []\n'),
    );
  });

  it.each([
    ['LF', (t: string) => t],
    ['CRLF', crlf],
  ])('%s: a fix that adds lines at the end of the values indents them as the block', (_n, convert) => {
    const text = convert(argoValues('|', 'apiService:\n  insecureSkipTLSVerify: true\n'));
    const [f] = lint(text);
    expect(f?.ruleId).toBe('helm-apiservice-insecure');
    const out = applyEdits(text, f?.fixes[0]?.edits ?? []);
    expect(out).toBe(
      convert(argoValues('|', 'apiService:\n  insecureSkipTLSVerify: false\ntls: {type: helm}\n')),
    );
    parses(out);
    expect(lint(out)).toEqual([]);
  });

  it.each([
    ['LF', '\n'],
    ['CRLF', '\r\n'],
  ])(
    '%s: values at the very end of a file without a final line break: lines are added on a line of their own',
    (_n, eol) => {
      const app = argoValues('|', 'apiService:\n  insecureSkipTLSVerify: true\n').replace(
        / {2}destination:[\s\S]*$/,
        '',
      );
      const text = app.replace(/\n$/, '').replace(/\n/g, eol);
      const [f] = lint(text);
      const out = applyEdits(text, f?.fixes[0]?.edits ?? []);
      expect(out).toBe(
        `${text.replace('insecureSkipTLSVerify: true', 'insecureSkipTLSVerify: false')}${eol}        tls: {type: helm}`,
      );
      parses(out);
      expect(lint(out)).toEqual([]);
    },
  );

  it('values at the very end of a file without a final line break: removing the last line keeps the file without one', () => {
    const text = argoValues('|', 'args:\n  - --cert-dir=/tmp\n  - --kubelet-insecure-tls\n').replace(
      /\n {2}destination:[\s\S]*$/,
      '',
    );
    const [f] = lint(text);
    expect(applyEdits(text, f?.fixes[0]?.edits ?? [])).toBe(
      text.replace(/\n {10}- --kubelet-insecure-tls$/, ''),
    );
  });

  it.each([
    ['double-quoted', '"args:\\n- --kubelet-insecure-tls\\n"'],
    ['folded', '>\n        args:\n\n        - --kubelet-insecure-tls\n'],
  ])(
    'a %s string: the finding covers the string and has no fix (its lines do not map one to one)',
    (_n, value) => {
      const text = argoValues(value, '');
      const [f, ...rest] = lint(text);
      expect(rest).toEqual([]);
      expect(f?.ruleId).toBe('helm-insecure-kubelet-tls');
      expect(f?.fixes).toEqual([]);
      expect(f?.range.start).toBe(text.indexOf(value));
      expect(text.slice(f?.range.start, f?.range.end)).toContain('--kubelet-insecure-tls');
    },
  );

  it.each([
    [
      'another chart',
      argoValues('|', insecureValues).replace('chart: metrics-server', 'chart: ingress-nginx'),
    ],
    ['values that are not YAML', argoValues('|', 'args: [--kubelet-insecure-tls\n')],
  ])('valid: %s', (_n, text) => expect(lint(text)).toEqual([]));
});

/** kustomization.yaml over the metrics-server release manifest, as people patch in the flag. */
const kustomization = (patches: string) => `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: kube-system
resources:
  - https://github.com/kubernetes-sigs/metrics-server/releases/latest/download/components.yaml
${patches}commonLabels:
  app.kubernetes.io/part-of: monitoring
`;
const jsonPatchTwoOps = `patches:
  - target:
      kind: Deployment
      name: metrics-server
    patch: |-
      - op: add
        path: /spec/template/spec/containers/0/args/-
        value: --kubelet-insecure-tls
      - op: add
        path: /spec/template/spec/containers/0/args/-
        value: --kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname
`;
const strategicMerge = (key: string) => `${key}
      apiVersion: apps/v1
      kind: Deployment
      metadata:
        name: metrics-server
      spec:
        template:
          spec:
            containers:
            - name: metrics-server
              args:
              - --cert-dir=/tmp
              - --secure-port=10250
              - --kubelet-insecure-tls
`;

describe('kustomize: inline patches are linted', () => {
  it('patches[].patch, a JSON patch of two operations: the fix removes the one that adds the flag', () => {
    const text = kustomization(jsonPatchTwoOps);
    const [f, ...rest] = lint(text);
    expect(rest).toEqual([]);
    expect([f?.ruleId, text.slice(f?.range.start, f?.range.end)]).toEqual([
      'json-patch-insecure-kubelet-tls',
      '--kubelet-insecure-tls',
    ]);
    const out = applyEdits(text, f?.fixes[0]?.edits ?? []);
    expect(out).toBe(
      text.replace(
        '      - op: add\n        path: /spec/template/spec/containers/0/args/-\n        value: --kubelet-insecure-tls\n',
        '',
      ),
    );
    expect(lint(out)).toEqual([]);
  });

  it.each([
    [
      'patchesJson6902',
      'patchesJson6902:\n- target: {group: apps, version: v1, kind: Deployment, name: metrics-server}\n  patch: |\n    - op: add\n      path: /spec/template/spec/containers/0/args/-\n      value: --kubelet-insecure-tls\n',
      'patchesJson6902: []\n',
    ],
    [
      'patches, next to another patch',
      `patches:\n- path: resources.yaml\n- target: {kind: Deployment, name: metrics-server}\n  patch: |-\n    - op: add\n      path: /spec/template/spec/containers/0/args/-\n      value: --kubelet-insecure-tls # lab\n`,
      'patches:\n- path: resources.yaml\n',
    ],
  ])(
    '%s, the flag as the only operation: the fix removes the patch entry from the kustomization',
    (_n, patches, fixed) => {
      const text = kustomization(patches);
      const [f, ...rest] = lint(text);
      expect(rest).toEqual([]);
      expect([f?.ruleId, text.slice(f?.range.start, f?.range.end)]).toEqual([
        'json-patch-insecure-kubelet-tls',
        '--kubelet-insecure-tls',
      ]);
      expect(f?.message).toMatch(/This operation is the whole patch: remove the patch\.$/);
      expect(f?.fixes.map((x) => x.title)).toEqual([
        'Remove this patch from the kustomization: it only adds --kubelet-insecure-tls (metrics-server then verifies kubelets with the in-cluster CA)',
      ]);
      const out = applyEdits(text, f?.fixes[0]?.edits ?? []);
      expect(out).toBe(kustomization(fixed));
      expect(lint(out)).toEqual([]);
    },
  );

  it.each([
    ['patchesStrategicMerge, inline', strategicMerge('patchesStrategicMerge:\n  - |-')],
    [
      'patches[].patch, a strategic-merge patch',
      strategicMerge('patches:\n  - patch: |-').replace(/^ {6}/gm, '      '),
    ],
    [
      'a Flux Kustomization spec.patches',
      `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: metrics-server, namespace: flux-system}\nspec:\n  path: ./metrics-server\n  ${strategicMerge('patches:\n  - patch: |-').replace(/\n/g, '\n  ')}`,
    ],
  ])('%s: insecure-kubelet-tls with both fixes inside the patch', (_n, text) => {
    const findings = lint(text);
    expect(findings.map((f) => [f.ruleId, text.slice(f.range.start, f.range.end)])).toEqual([
      ['insecure-kubelet-tls', '--kubelet-insecure-tls'],
    ]);
    const [f] = findings;
    const remove = applyEdits(text, f?.fixes[1]?.edits ?? []);
    expect(remove).toBe(text.replace(/ +- --kubelet-insecure-tls\n/, ''));
    const useCa = applyEdits(text, f?.fixes[0]?.edits ?? []);
    parses(useCa);
    expect(lint(useCa)).toEqual([]);
    // The volume goes next to containers, the mount into the container, at the patch's indentation.
    expect(useCa).toMatch(/^( +)containers:\n[\s\S]*^\1volumes:\n\1- name: kube-root-ca\n/m);
    expect(useCa).toMatch(/^( +)args:\n[\s\S]*^\1volumeMounts:\n\1- name: kube-root-ca\n/m);
    expect(useCa).toContain('- --kubelet-certificate-authority=/etc/kubernetes/kubelet-ca/ca.crt\n');
  });

  it.each([
    ['LF', (t: string) => t],
    ['CRLF', crlf],
  ])(
    '%s: an inline patch whose last line ends the file without a line break: its fixes leave the file without one',
    (_n, convert) => {
      const withBreak = convert(
        `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n${strategicMerge('patchesStrategicMerge:\n  - |-')}`,
      );
      const text = withBreak.replace(/\r?\n$/, '');
      const eol = convert('\n');
      const [f] = lint(text);
      const remove = applyEdits(text, f?.fixes[1]?.edits ?? []);
      expect(remove).toBe(text.replace(/\r?\n +- --kubelet-insecure-tls$/, ''));
      const useCa = applyEdits(text, f?.fixes[0]?.edits ?? []);
      expect(useCa.endsWith(eol)).toBe(false);
      expect(useCa).toContain(`- --kubelet-certificate-authority=/etc/kubernetes/kubelet-ca/ca.crt${eol}`);
      expect(lint(useCa)).toEqual([]);
    },
  );

  it('patchesStrategicMerge that names files is not read here (the files are linted themselves)', () =>
    expect(lint(kustomization('patchesStrategicMerge:\n- metrics-server-patch.yaml\n'))).toEqual([]));

  it('a kustomization without apiVersion and kind is recognised by its patches', () => {
    const text = kustomization(jsonPatchTwoOps).replace(/^apiVersion: .*\nkind: Kustomization\n/, '');
    expect(lint(text).map((f) => f.ruleId)).toEqual(['json-patch-insecure-kubelet-tls']);
  });
});

describe('json-patch-insecure-kubelet-tls: a bare JSON patch file', () => {
  const op = (path: string, value: string) => `- op: add\n  path: ${path}\n  value: ${value}\n`;
  it.each([
    [
      'a single operation (kubectl patch --type=json -p, or a kustomize patch file)',
      op('/spec/template/spec/containers/0/args/-', '--kubelet-insecure-tls'),
      undefined,
    ],
    [
      'two operations: the fix removes the operation',
      op('/spec/template/spec/containers/0/args/-', '--kubelet-insecure-tls') +
        op('/spec/template/spec/containers/0/args/-', '--metric-resolution=15s'),
      op('/spec/template/spec/containers/0/args/-', '--metric-resolution=15s'),
    ],
    [
      'replace of the whole args list: the fix removes the item',
      '- op: replace\n  path: /spec/template/spec/containers/0/args\n  value:\n  - --cert-dir=/tmp\n  - --kubelet-insecure-tls=true\n',
      '- op: replace\n  path: /spec/template/spec/containers/0/args\n  value:\n  - --cert-dir=/tmp\n',
    ],
    ["a Pod's container command", op('/spec/containers/0/command/-', '--kubelet-insecure-tls'), undefined],
  ])('%s', (_n, text, fixed) => {
    const [f, ...rest] = lint(text);
    expect(rest).toEqual([]);
    expect(f?.ruleId).toBe('json-patch-insecure-kubelet-tls');
    expect(text.slice(f?.range.start, f?.range.end)).toMatch(/^--kubelet-insecure-tls/);
    if (fixed === undefined) expect(f?.fixes).toEqual([]);
    else expect(applyEdits(text, f?.fixes[0]?.edits ?? [])).toBe(fixed);
  });

  it.each([
    ['the flag set to false', op('/spec/template/spec/containers/0/args/-', '--kubelet-insecure-tls=false')],
    ['another path', op('/metadata/annotations/note', '--kubelet-insecure-tls')],
    ['a remove operation', '- op: remove\n  path: /spec/template/spec/containers/0/args/3\n'],
    ['a list that is no patch', '- name: a\n  path: /x\n'],
  ])('valid: %s', (_n, text) => expect(lint(text)).toEqual([]));
});
