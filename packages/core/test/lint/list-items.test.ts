import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { applyEdits } from '../../src/lint/apply-edits.ts';
import { lint } from '../../src/lint/lint.ts';

/** What `kubectl get deploy -n kube-system -o yaml` prints: a v1 List, items at column 0. */
const kubectlGet = readFileSync(new URL('fixtures/kubectl-get-deploy.yaml', import.meta.url), 'utf8');
const lineOf = (text: string, offset: number) => text.slice(0, offset).split('\n').length;
const rulesOf = (text: string) => lint(text).map((f) => f.ruleId);

/** A list as the API returns it for one resource (GET /apis/apps/v1/.../deployments). */
const deploymentList = kubectlGet
  .replace('apiVersion: v1\nitems:', 'apiVersion: apps/v1\nitems:')
  .replace('kind: List\n', 'kind: DeploymentList\n');
/** A List whose items are indented under `items:` (as yq and many people write it). */
const indentedItems = kubectlGet.replace(
  /\n(?!items:|kind: List|metadata:|apiVersion: v1| {2}resourceVersion: "")/g,
  '\n  ',
);

const apiserviceItem = `- apiVersion: apiregistration.k8s.io/v1
  kind: APIService
  metadata:
    name: v1beta1.metrics.k8s.io
  spec:
    group: metrics.k8s.io
    insecureSkipTLSVerify: true
    service: {name: metrics-server, namespace: kube-system}
    version: v1beta1
`;

describe('list objects: every item is linted', () => {
  it.each([
    ['kubectl get deploy -o yaml (kind: List)', kubectlGet, ['insecure-kubelet-tls']],
    ['a DeploymentList as the API returns it', deploymentList, ['insecure-kubelet-tls']],
    ['items indented under items:', indentedItems, ['insecure-kubelet-tls']],
    [
      'a List of a Deployment and an APIService',
      kubectlGet.replace('kind: List\n', '').replace('\nmetadata:\n  resourceVersion: ""\n', '\n') +
        `${apiserviceItem}kind: List\n`,
      ['insecure-kubelet-tls', 'apiservice-insecure'],
    ],
    [
      'a List inside a List',
      `apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: List\n  items:\n  ${apiserviceItem.replace(/\n(?=.)/g, '\n  ')}`,
      ['apiservice-insecure'],
    ],
  ])('%s', (_n, text, rules) => expect(rulesOf(text)).toEqual(rules));

  it.each([
    ['an empty List', 'apiVersion: v1\nitems: []\nkind: List\nmetadata:\n  resourceVersion: ""\n'],
    ['a List of secure Deployments', kubectlGet.replace('          - --kubelet-insecure-tls\n', '')],
    [
      'a kind ending in List whose items are no objects',
      'apiVersion: example.com/v1\nkind: AllowList\nitems:\n- --kubelet-insecure-tls\n',
    ],
  ])('valid: %s', (_n, text) => expect(lint(text)).toEqual([]));
});

describe('list objects: ranges and fixes stay inside the item', () => {
  it.each([
    ['kubectl get deploy -o yaml', kubectlGet, 41],
    ['items indented under items:', indentedItems, 41],
    ['CRLF line endings', kubectlGet.replace(/\n/g, '\r\n'), 41],
  ])(
    '%s: the finding is on the flag, the preferred fix rewrites the item in its own indentation',
    (_n, text, line) => {
      const [f] = lint(text);
      expect(text.slice(f?.range.start, f?.range.end)).toBe('--kubelet-insecure-tls');
      expect(f?.range.startLine).toBe(line);
      expect(lineOf(text, f?.range.start ?? 0)).toBe(line);
      const out = applyEdits(text, f?.fixes[0]?.edits ?? []);
      expect(parseAllDocuments(out).flatMap((d) => ('errors' in d ? d.errors : []))).toEqual([]);
      const item = (
        parseAllDocuments(out)[0] as unknown as { toJS(): { items: Record<string, never>[] } }
      ).toJS().items[0] as unknown as {
        spec: {
          template: {
            spec: { containers: { args: string[]; volumeMounts: unknown[] }[]; volumes: unknown[] };
          };
        };
      };
      const pod = item.spec.template.spec;
      expect(pod.containers[0]?.args.at(-1)).toBe(
        '--kubelet-certificate-authority=/etc/kubernetes/kubelet-ca/ca.crt',
      );
      expect(pod.containers[0]?.volumeMounts).toContainEqual({
        name: 'kube-root-ca',
        mountPath: '/etc/kubernetes/kubelet-ca',
        readOnly: true,
      });
      expect(pod.volumes).toContainEqual({
        name: 'kube-root-ca',
        configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] },
      });
      expect(lint(out)).toEqual([]);
    },
  );

  it('the removal fix deletes exactly the flag line of the item', () => {
    const [f] = lint(kubectlGet);
    expect(applyEdits(kubectlGet, f?.fixes[1]?.edits ?? [])).toBe(
      kubectlGet.replace('          - --kubelet-insecure-tls\n', ''),
    );
  });
});
