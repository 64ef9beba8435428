import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { applyEdits } from '../../src/lint/apply-edits.ts';
import { setCaBundle } from '../../src/lint/ca-bundle.ts';
import { lint, RULES } from '../../src/lint/lint.ts';
import type { LintOptions } from '../../src/lint/types.ts';
import { toPem } from '../../src/x509/pem.ts';
import { fixViolations } from '../support/edit-properties.ts';
import { der, generateCa } from '../support/generated.ts';

const now = new Date('2026-11-23T00:00:00Z');
const ca = await generateCa(
  'CN=metrics-server-ca',
  new Date('2026-01-01T00:00:00Z'),
  new Date('2036-01-01T00:00:00Z'),
);
const caPem = toPem(der(ca.cert), 'CERTIFICATE');

/** The rules that never offer a fix, and why: every other rule's fixes must appear below. */
const NO_FIX: Record<string, string> = {
  'cabundle-invalid': 'only the user knows which CA belongs in a broken caBundle',
  'tls-cert-key-pair': 'only the user has the certificate and key files',
  'template-file': 'a template is not linted as it stands: its fixes are those of what it renders',
};

/**
 * One file per kind we read, each with at least one fixable finding and a comment to keep. Most end
 * with the lines a fix appends to or removes, so that the variants without a final line break
 * exercise an insert or a removal at the very end of the text.
 */
const corpus: [string, string, Partial<LintOptions>?][] = [
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
    'an Argo CD Application whose helm.values literal block ends the file',
    `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: metrics-server, namespace: argocd}
spec:
  destination: {server: https://kubernetes.default.svc, namespace: kube-system}
  source:
    chart: metrics-server
    repoURL: https://kubernetes-sigs.github.io/metrics-server/
    helm:
      values: |
        args:
          - --cert-dir=/tmp # writable
          - --kubelet-insecure-tls
        apiService:
          insecureSkipTLSVerify: true
`,
  ],
  [
    'an Argo CD Application with helm.valuesObject (tls goes at the end)',
    `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: metrics-server, namespace: argocd}
spec:
  source:
    chart: metrics-server
    repoURL: https://kubernetes-sigs.github.io/metrics-server/
    helm:
      valuesObject:
        args: [--kubelet-insecure-tls] # lab only
        apiService:
          insecureSkipTLSVerify: true
`,
  ],
  [
    "the Bitnami chart's extraArgs map",
    `apiService:
  create: true
extraArgs:
  kubelet-preferred-address-types: InternalIP # no DNS
  kubelet-insecure-tls: true
`,
  ],
  [
    'a JSON6902 patch file whose last operation adds the flag',
    `# kubectl patch deploy metrics-server --type=json --patch-file this.yaml
- op: add
  path: /spec/template/spec/containers/0/args
  value: [--cert-dir=/tmp, --kubelet-insecure-tls]
- op: add # keep
  path: /spec/template/spec/containers/0/args/-
  value: --metric-resolution=15s
- op: add
  path: /spec/template/spec/containers/0/args/-
  value: --kubelet-insecure-tls
`,
  ],
  [
    'a kustomization whose last patchesJson6902 entry only adds the flag',
    `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
- components.yaml # upstream
patchesJson6902:
- target: {group: apps, version: v1, kind: Deployment, name: metrics-server}
  patch: |-
    - op: add
      path: /spec/template/spec/containers/0/args/-
      value: --kubelet-insecure-tls
`,
  ],
  [
    'a hand-written v1 List whose last item ends the file',
    `apiVersion: v1
kind: List
items:
- apiVersion: apps/v1
  kind: Deployment
  metadata: {name: metrics-server, namespace: kube-system}
  spec:
    template:
      spec:
        containers:
        - name: metrics-server # in a List
          image: registry.k8s.io/metrics-server/metrics-server:v0.7.2
          args:
          - --kubelet-insecure-tls
`,
  ],
  [
    'a kube-apiserver static Pod whose flags end the file',
    `apiVersion: v1
kind: Pod
metadata: {name: kube-apiserver, namespace: kube-system}
spec:
  containers:
  - name: kube-apiserver
    image: registry.k8s.io/kube-apiserver:v1.31.4
    command:
    - kube-apiserver
    - --client-ca-file=/etc/kubernetes/pki/ca.crt # kubeadm
`,
  ],
  [
    'Kubespray group_vars',
    `# addons.yml
kubelet_rotate_server_certificates: false # later
metrics_server_enabled: true
`,
  ],
  [
    'a KubeletConfiguration that ends inside a nested map (serverTLSBootstrap goes after it)',
    `apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
cgroupDriver: systemd # from kubeadm
evictionHard:
  memory.available: 1Gi
`,
  ],
  [
    'a KubeletConfiguration serving static files, perhaps signed by our own CA',
    `apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
# from terraform
tlsCertFile: /etc/kubernetes/pki/kubelet.crt
tlsPrivateKeyFile: /etc/kubernetes/pki/kubelet.key
`,
  ],
  [
    'a kubeadm ClusterConfiguration last, next to kubelets that bootstrap serving certificates',
    `apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
serverTLSBootstrap: true # approved by kubelet-csr-approver
---
apiVersion: kubeadm.k8s.io/v1beta3
kind: ClusterConfiguration
apiServer:
  extraArgs:
    authorization-mode: Node,RBAC # default
`,
  ],
  [
    'metrics-server with a CA and the insecure flag as the last line',
    `apiVersion: apps/v1
kind: Deployment
metadata: {name: metrics-server}
spec:
  template:
    spec:
      automountServiceAccountToken: true # ca.crt comes from here
      containers:
      - name: metrics-server
        image: registry.k8s.io/metrics-server/metrics-server:v0.7.2
        args:
        - --kubelet-certificate-authority=/var/run/secrets/kubernetes.io/serviceaccount/ca.crt
        - --kubelet-insecure-tls
`,
  ],
  [
    'metrics-server without volumes: the mount and the volume go at the end',
    `apiVersion: apps/v1
kind: Deployment
metadata: {name: metrics-server}
spec:
  template:
    spec:
      containers:
      - name: metrics-server # scrapes kubelets
        image: registry.k8s.io/metrics-server/metrics-server:v0.7.2
        args:
        - --kubelet-insecure-tls
`,
  ],
  [
    'metrics-server in flow style: the mount and the volume go into the flow lists',
    `apiVersion: apps/v1
kind: Deployment
metadata: {name: metrics-server}
spec:
  template:
    spec:
      containers:
      - {name: metrics-server, image: registry.k8s.io/metrics-server/metrics-server:v0.7.2, args: [--kubelet-insecure-tls], volumeMounts: [{name: tmp, mountPath: /tmp}]} # one line
      volumes: [{name: tmp, emptyDir: {}}]
`,
  ],
  [
    'an exported metrics-server Pod: the service account volume already holds the cluster CA',
    `apiVersion: v1
kind: Pod
metadata: {name: metrics-server-7d9f, namespace: kube-system}
spec:
  containers:
  - name: metrics-server
    image: registry.k8s.io/metrics-server/metrics-server:v0.7.2
    volumeMounts:
    - {mountPath: /var/run/secrets/kubernetes.io/serviceaccount, name: kube-api-access-x2x8d, readOnly: true}
    args:
    - --kubelet-insecure-tls # kubeadm default
  volumes:
  - name: kube-api-access-x2x8d
    projected:
      sources:
      - configMap: {name: kube-root-ca.crt, items: [{key: ca.crt, path: ca.crt}]}
`,
  ],
  [
    'an APIService with a caBundle and insecureSkipTLSVerify last',
    `apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata: {name: v1beta1.metrics.k8s.io}
spec:
  caBundle: ${Buffer.from(caPem).toString('base64')}
  group: metrics.k8s.io # served by metrics-server
  service: {name: metrics-server, namespace: kube-system}
  version: v1beta1
  insecureSkipTLSVerify: true
`,
    { now },
  ],
  [
    'an APIService skipping verification, with --apiservice-ca-file and a cert-manager Certificate',
    `apiVersion: cert-manager.io/v1
kind: Certificate
metadata: {name: metrics-server, namespace: kube-system}
spec: {secretName: metrics-server-tls}
---
apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata:
  name: v1beta1.metrics.k8s.io # the metrics API
spec:
  group: metrics.k8s.io
  service: {name: metrics-server, namespace: kube-system}
  version: v1beta1
  insecureSkipTLSVerify: true
`,
    { apiserviceCaPem: caPem, now },
  ],
  [
    'metrics-server Helm values whose tls section is missing',
    `image:
  repository: registry.k8s.io/metrics-server/metrics-server # mirrored
apiService:
  insecureSkipTLSVerify: true
`,
  ],
];

const comments = (text: string) => text.match(/#[^\r\n]*/g) ?? [];
const crlf = (t: string) => t.replace(/\r?\n/g, '\r\n');
const withoutFinalBreak = (t: string) => t.replace(/(\r?\n)+$/, '');

describe('the corpus', () => {
  it('exercises a fix of every rule that has fixes', () => {
    const exercised = new Set(
      corpus.flatMap(([, text, options]) =>
        lint(text, options)
          .filter((f) => f.fixes.length > 0)
          .map((f) => f.ruleId),
      ),
    );
    const missing = RULES.map((r) => r.id).filter((id) => !exercised.has(id) && !(id in NO_FIX));
    expect(missing).toEqual([]);
  });
});

describe.each([
  ['LF, final line break', (t: string) => t],
  ['CRLF, final line break', crlf],
  ['LF, no final line break', withoutFinalBreak],
  ['CRLF, no final line break', (t: string) => withoutFinalBreak(crlf(t))],
])('every fix, %s', (_variant, convert) => {
  describe.each(corpus)('%s', (_name, source, options) => {
    const text = convert(source);
    const findings = lint(text, options);
    const fixable = findings.flatMap((f) => f.fixes.map((fix) => ({ f, fix })));

    it('has findings with fixes (the corpus exercises the rules)', () =>
      expect(fixable.length).toBeGreaterThan(0));

    it.each(fixable.map(({ f, fix }) => [`${f.ruleId}: ${fix.title}`, f, fix] as const))(
      '%s: removes its finding, reveals no fixable finding lint did not report, keeps every line it does not edit whole, every comment, the line breaks, and parses',
      (_t, f, fix) => {
        const out = applyEdits(text, fix.edits);
        expect(fixViolations(text, fix.edits, out)).toEqual([]);
        // A comment's text survives unless it sat on the very line the fix removes (on a replaced
        // value it is marked "# was <old value>:").
        const removed = (c: string) =>
          fix.edits.some((e) => text.slice(e.offset, e.offset + e.length).includes(c));
        for (const c of comments(text)) if (!removed(c)) expect(out).toContain(c.replace(/^#\s*/, ''));
        const before = findings.filter((x) => x.ruleId === f.ruleId).length;
        const left = lint(out, options);
        expect(left.filter((x) => x.ruleId === f.ruleId).length).toBeLessThan(before);
        // A fix's edit list is the whole of it: in a file of one document, applying it leaves no
        // fixable finding lint did not report (a fix in one document may open a finding in
        // another, as serverTLSBootstrap does for the API server's; --fix leaves that one).
        const reported = new Set(findings.map((x) => `${x.ruleId}: ${x.message}`));
        const revealed = left.filter((x) => x.fixes.length > 0 && !reported.has(`${x.ruleId}: ${x.message}`));
        if (parseAllDocuments(text).length === 1)
          expect(revealed.map((x) => `${x.ruleId}: ${x.message}`)).toEqual([]);
      },
    );

    it('applying the preferred fixes until none is left converges, and again changes nothing', () => {
      let current = text;
      for (let round = 0; round < 10; round++) {
        const [next] = lint(current, options).filter((x) => x.fixes.length > 0);
        if (!next) break;
        const edits = next.fixes[0]?.edits ?? [];
        const after = applyEdits(current, edits);
        expect(fixViolations(current, edits, after)).toEqual([]);
        current = after;
      }
      expect(lint(current, options).filter((x) => x.fixes.length > 0)).toEqual([]);
    });
  });

  it("the editor's caBundle edit (Insert caBundle from a CA file) keeps the same properties", () => {
    const text = convert(
      'apiVersion: apiregistration.k8s.io/v1\nkind: APIService\nmetadata: {name: v1beta1.metrics.k8s.io}\nspec:\n  group: metrics.k8s.io\n  insecureSkipTLSVerify: true\n',
    );
    const r = setCaBundle(text, caPem, now);
    if (!r.ok) throw new Error(r.reason);
    const out = applyEdits(text, r.edits);
    expect(fixViolations(text, r.edits, out)).toEqual([]);
    expect(out).toContain('caBundle: ');
    expect(out).not.toContain('insecureSkipTLSVerify');
  });
});
