import { describe, expect, it } from 'vitest';
import { applyEdits } from '../../src/lint/apply-edits.ts';
import { lint } from '../../src/lint/lint.ts';

const only = (id: string, text: string) => lint(text).filter((f) => f.ruleId === id);

/** A values file for the metrics-server chart, as people keep them in git. */
const values = (body: string) => `# metrics-server values for prod
image:
  repository: registry.k8s.io/metrics-server/metrics-server
${body}`;
const umbrella = (body: string) => `metrics-server:\n${body.replace(/^/gm, '  ')}`;
const fluxRelease = (body: string) => `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: metrics-server, namespace: kube-system}
spec:
  chart:
    spec: {chart: metrics-server, sourceRef: {kind: HelmRepository, name: metrics-server}}
  values:
${body.replace(/^/gm, '    ')}`;

/** An Argo CD Application of the metrics-server chart, values inline as spec.source.helm.valuesObject. */
const argoApp = (body: string, chart = 'metrics-server') => `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: metrics-server
  namespace: argocd
spec:
  project: platform
  source:
    chart: ${chart}
    repoURL: https://kubernetes-sigs.github.io/metrics-server/
    targetRevision: 3.12.1 # metrics-server v0.7.1
    helm:
      valuesObject:
${body.replace(/^(?=.)/gm, '        ')}  destination:
    server: https://kubernetes.default.svc
    namespace: kube-system
`;
/** The same with several sources (Argo CD 2.6+): the chart, and a git repo for other values. */
const argoSources = (body: string) =>
  argoApp(body)
    .replace(
      '  source:\n    chart',
      '  sources:\n  - repoURL: https://github.com/example/values.git\n    targetRevision: main\n    ref: values\n  - chart',
    )
    .replace(/^ {4}(repoURL: https:\/\/kubernetes|targetRevision: 3|helm:)/gm, '    $1');

describe('helm-insecure-kubelet-tls', () => {
  const insecureArgs =
    'args:\n- --kubelet-preferred-address-types=InternalIP\n- --kubelet-insecure-tls # lab only\n';
  it.each([
    ['a values file without the flag', values('args:\n- --kubelet-preferred-address-types=InternalIP\n')],
    ['values of another chart', 'image:\n  repository: nginx\nargs:\n- --kubelet-insecure-tls\n'],
    [
      'a HelmRelease of another chart',
      fluxRelease(insecureArgs).replace('chart: metrics-server', 'chart: other'),
    ],
    ['an Argo CD Application of another chart', argoApp(insecureArgs, 'ingress-nginx')],
    [
      "Bitnami's extraArgs map with kubelet-insecure-tls: false",
      'apiService:\n  create: true\nextraArgs:\n  kubelet-insecure-tls: false\n  kubelet-preferred-address-types: InternalIP\n',
    ],
  ])('valid: %s', (_n, text) => expect(only('helm-insecure-kubelet-tls', text)).toEqual([]));

  it.each([
    ['a values file', values(insecureArgs)],
    ['values without image, recognised by the kubelet flags', insecureArgs],
    ["an umbrella chart's metrics-server key", umbrella(insecureArgs)],
    ["a Flux HelmRelease's spec.values", fluxRelease(insecureArgs)],
    ['defaultArgs', values('defaultArgs:\n- --cert-dir=/tmp\n- --kubelet-insecure-tls\n')],
    ["an Argo CD Application's helm.valuesObject", argoApp(`replicas: 1 # TODO: 2 for HA\n${insecureArgs}`)],
    ["an Argo CD Application's sources[].helm.valuesObject", argoSources(insecureArgs)],
    [
      "Bitnami's extraArgs list (chart 6.x and later)",
      'apiService:\n  create: true\nextraArgs:\n- --kubelet-preferred-address-types=InternalIP\n- --kubelet-insecure-tls\n',
    ],
  ])('invalid: %s; the fix removes only that item', (_n, text) => {
    const [f, ...rest] = only('helm-insecure-kubelet-tls', text);
    expect(rest).toEqual([]);
    expect(f?.severity).toBe('warning');
    expect(text.slice(f?.range.start, f?.range.end)).toBe('--kubelet-insecure-tls');
    const out = applyEdits(text, f?.fixes[0]?.edits ?? []);
    expect(out).toBe(text.replace(/^.*- --kubelet-insecure-tls.*\n/m, ''));
    expect(only('helm-insecure-kubelet-tls', out)).toEqual([]);
  });
});

describe('helm-insecure-kubelet-tls: removing the only item leaves an empty list, not null', () => {
  it.each([
    [
      'LF',
      'metrics-server:\n  args:\n    - --kubelet-insecure-tls # lab\n  replicas: 2\n',
      'metrics-server:\n  args: []\n  replicas: 2\n',
    ],
    ['CRLF', 'args:\r\n- --kubelet-insecure-tls\r\nreplicas: 2\r\n', 'args: []\r\nreplicas: 2\r\n'],
  ])('%s', (_n, text, fixed) => {
    const [f] = only('helm-insecure-kubelet-tls', text);
    expect(applyEdits(text, f?.fixes[0]?.edits ?? [])).toBe(fixed);
  });
});

describe('helm-apiservice-insecure', () => {
  it.each([
    [
      'insecureSkipTLSVerify: false',
      values('apiService:\n  insecureSkipTLSVerify: false\ntls:\n  type: helm\n'),
    ],
    ['no apiService key (the chart default is not restated)', values('args: []\n')],
  ])('valid: %s', (_n, text) => expect(only('helm-apiservice-insecure', text)).toEqual([]));

  it.each([
    [
      'tls.type helm already: only verification is switched on',
      values('apiService:\n  insecureSkipTLSVerify: true # why?\ntls:\n  type: helm\n'),
      values('apiService:\n  insecureSkipTLSVerify: false # was true: why?\ntls:\n  type: helm\n'),
    ],
    [
      'tls.type metrics-server (self-signed): switched to helm',
      values('apiService:\n  insecureSkipTLSVerify: true\ntls:\n  type: "metrics-server"\n'),
      values('apiService:\n  insecureSkipTLSVerify: false\ntls:\n  type: "helm"\n'),
    ],
    [
      'tls without type: type added',
      values('apiService:\n  insecureSkipTLSVerify: true\ntls:\n  clusterDomain: cluster.local\n'),
      values(
        'apiService:\n  insecureSkipTLSVerify: false\ntls:\n  clusterDomain: cluster.local\n  type: helm\n',
      ),
    ],
    [
      'no tls at all: tls added',
      values('apiService:\n  insecureSkipTLSVerify: true\n'),
      values('apiService:\n  insecureSkipTLSVerify: false\ntls: {type: helm}\n'),
    ],
    [
      'an umbrella chart',
      umbrella('apiService:\n  insecureSkipTLSVerify: true\ntls:\n  type: cert-manager\n'),
      umbrella('apiService:\n  insecureSkipTLSVerify: false\ntls:\n  type: cert-manager\n'),
    ],
    [
      "an Argo CD Application's helm.valuesObject without tls: tls added inside valuesObject",
      argoApp('apiService:\n  insecureSkipTLSVerify: true # for now\n'),
      argoApp('apiService:\n  insecureSkipTLSVerify: false # was true: for now\ntls: {type: helm}\n'),
    ],
  ])('invalid: %s', (_n, text, fixed) => {
    const [f, ...rest] = only('helm-apiservice-insecure', text);
    expect(rest).toEqual([]);
    expect(f?.message).toMatch(/does not verify metrics-server/);
    const out = applyEdits(text, f?.fixes[0]?.edits ?? []);
    expect(out).toBe(fixed);
    expect(only('helm-apiservice-insecure', out)).toEqual([]);
  });
});

describe("helm-insecure-kubelet-tls: Bitnami's extraArgs map (chart 5.x and earlier)", () => {
  it.each([
    ['true', 'false'],
    ['"true"', '"false"'],
    ["'True'", "'false'"],
  ])(
    'kubelet-insecure-tls: %s; the fix sets it to false, in its quoting, the comment marked as about the old value',
    (value, fixed) => {
      const text = `apiService:\n  create: true\nextraArgs:\n  kubelet-insecure-tls: ${value} # self-signed kubelets\n  kubelet-preferred-address-types: InternalIP\n`;
      const [f, ...rest] = only('helm-insecure-kubelet-tls', text);
      expect(rest).toEqual([]);
      expect(text.slice(f?.range.start, f?.range.end)).toBe(value);
      expect(f?.fixes[0]?.title).toBe(
        'Set kubelet-insecure-tls: false (metrics-server then verifies kubelets with the in-cluster CA)',
      );
      const out = applyEdits(text, f?.fixes[0]?.edits ?? []);
      expect(out).toBe(
        text.replace(`kubelet-insecure-tls: ${value} #`, `kubelet-insecure-tls: ${fixed} # was ${value}:`),
      );
      expect(only('helm-insecure-kubelet-tls', out)).toEqual([]);
    },
  );
});
