import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { applyEdits } from '../../src/lint/apply-edits.ts';
import { lint } from '../../src/lint/lint.ts';

/** One file per kind we read, each with at least one fixable finding and a comment to keep. */
const corpus: [string, string][] = [
  [
    'components.yaml (metrics-server as kubeadm users deploy it)',
    readFileSync(new URL('../../../../docs/examples/components.yaml', import.meta.url), 'utf8'),
  ],
  [
    'a metrics-server CA path nobody mounts, and a look-alike ConfigMap',
    `apiVersion: apps/v1
kind: Deployment
metadata: {name: metrics-server}
spec:
  template:
    spec:
      containers:
      - name: metrics-server # the only container
        image: registry.k8s.io/metrics-server/metrics-server:v0.7.2
        args:
        - --kubelet-certificate-authority=/etc/ca/ca.crt
        volumeMounts:
        - name: other
          mountPath: /etc/other
      volumes:
      - name: other
        configMap:
          name: cluster-root-ca # from a blog post
`,
  ],
  [
    'KubeletConfiguration and ClusterConfiguration in one kubeadm file',
    `apiVersion: kubeadm.k8s.io/v1beta3
kind: ClusterConfiguration
apiServer:
  extraArgs:
    audit-log-maxage: "30" # days
---
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
# serving certificates
serverTLSBootstrap: false
rotateCertificates: false
`,
  ],
  [
    'metrics-server Helm values',
    `# prod values
args:
- --kubelet-insecure-tls # lab only
apiService:
  insecureSkipTLSVerify: true
`,
  ],
  [
    'kubectl get deploy -o yaml (a v1 List)',
    readFileSync(new URL('fixtures/kubectl-get-deploy.yaml', import.meta.url), 'utf8').replace(
      '          - --kubelet-insecure-tls\n',
      '          - --kubelet-insecure-tls # for now\n',
    ),
  ],
  [
    'a kube-apiserver static Pod (a cluster-wide fix)',
    readFileSync(new URL('fixtures/kube-apiserver.yaml', import.meta.url), 'utf8').replace(
      '    - --secure-port=6443\n',
      '    - --secure-port=6443 # kubeadm default\n',
    ),
  ],
  [
    'an Argo CD Application with helm.values in a literal block',
    `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: metrics-server, namespace: argocd}
spec:
  source:
    chart: metrics-server
    repoURL: https://kubernetes-sigs.github.io/metrics-server/
    helm:
      values: |-
        args:
          - --kubelet-insecure-tls # lab only
        apiService:
          insecureSkipTLSVerify: true
  destination: {server: https://kubernetes.default.svc, namespace: kube-system}
`,
  ],
  [
    'a kustomization with an inline JSON patch and an inline strategic-merge patch',
    `resources:
- components.yaml # upstream
patches:
- target: {kind: Deployment, name: metrics-server}
  patch: |
    - op: add
      path: /spec/template/spec/containers/0/args/-
      value: --kubelet-insecure-tls
    - op: add # keep
      path: /spec/template/spec/containers/0/args/-
      value: --metric-resolution=15s
- target: {kind: Deployment, name: metrics-server-lab}
  patch: |-
    - op: add
      path: /spec/template/spec/containers/0/args/-
      value: --kubelet-insecure-tls # the whole patch
patchesStrategicMerge:
- |-
  apiVersion: apps/v1
  kind: Deployment
  metadata: {name: metrics-server}
  spec:
    template:
      spec:
        containers:
        - name: metrics-server
          args:
          - --cert-dir=/tmp
          - --kubelet-insecure-tls # patched in
`,
  ],
  [
    'Kubespray group_vars',
    `# addons.yml
kubelet_rotate_server_certificates: false # later
metrics_server_enabled: true
`,
  ],
];

const comments = (text: string) => text.match(/#[^\r\n]*/g) ?? [];

describe.each([
  ['LF', (t: string) => t],
  ['CRLF', (t: string) => t.replace(/\r?\n/g, '\r\n')],
])('every fix, %s line endings', (eol, convert) => {
  describe.each(corpus)('%s', (_name, source) => {
    const text = convert(source);
    const fixable = lint(text).flatMap((f) => f.fixes.map((fix) => ({ f, fix })));

    it('has findings with fixes (the corpus exercises the rules)', () =>
      expect(fixable.length).toBeGreaterThan(0));

    it.each(fixable.map(({ f, fix }) => [`${f.ruleId}: ${fix.title}`, f, fix] as const))(
      '%s: removes its finding, keeps every comment, stays valid YAML with the same line endings',
      (_t, f, fix) => {
        const out = applyEdits(text, fix.edits);
        expect(parseAllDocuments(out).flatMap((d) => ('errors' in d ? d.errors : []))).toEqual([]);
        // A comment survives unless it sat on the very line the fix removes.
        const removed = (c: string) =>
          fix.edits.some((e) => text.slice(e.offset, e.offset + e.length).includes(c));
        for (const c of comments(text)) if (!removed(c)) expect(out).toContain(c);
        const before = lint(text).filter((x) => x.ruleId === f.ruleId).length;
        expect(lint(out).filter((x) => x.ruleId === f.ruleId).length).toBeLessThan(before);
        if (eol === 'CRLF') expect(out.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
      },
    );

    it('applying the preferred fixes until none is left converges, and again changes nothing', () => {
      let current = text;
      for (let round = 0; round < 10; round++) {
        const [next] = lint(current).filter((x) => x.fixes.length > 0);
        if (!next) break;
        current = applyEdits(current, next.fixes[0]?.edits ?? []);
      }
      expect(lint(current).filter((x) => x.fixes.length > 0)).toEqual([]);
    });
  });
});
