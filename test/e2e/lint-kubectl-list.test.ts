// `kubectl get ... -o yaml` against the real API server prints a v1 List; kubectl certs lint reads
// its items, and the fixed List is still objects the API server accepts (server-side dry run).
import { execFileSync, spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from './cli.ts';
import { sharedCluster } from './shared-cluster.ts';

const cluster = sharedCluster();
const NS = 'lint-list';
const env = { PATH: process.env.PATH, HOME: '/nonexistent', KUBECONFIG: cluster.adminKubeconfig };

const kubectl = (args: string[], input?: string) =>
  execFileSync('kubectl', args, { encoding: 'utf8', input, env, stdio: ['pipe', 'pipe', 'pipe'] });
const lint = (args: string[], input: string) => {
  const r = spawnSync(process.execPath, [CLI, 'lint', ...args], { encoding: 'utf8', input, env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

const deployment = (name: string, image: string, args: string[]) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: NS, labels: { 'k8s-app': name } },
  spec: {
    selector: { matchLabels: { 'k8s-app': name } },
    template: {
      metadata: { labels: { 'k8s-app': name } },
      spec: {
        containers: [
          {
            name,
            image,
            args,
            volumeMounts: [{ name: 'tmp-dir', mountPath: '/tmp' }],
          },
        ],
        volumes: [{ name: 'tmp-dir', emptyDir: {} }],
      },
    },
  },
});

beforeAll(() => {
  kubectl(['create', 'namespace', NS]);
  const objects = [
    deployment('metrics-server', 'registry.k8s.io/metrics-server/metrics-server:v0.7.2', [
      '--cert-dir=/tmp',
      '--secure-port=10250',
      '--kubelet-insecure-tls',
    ]),
    deployment('web', 'registry.k8s.io/pause:3.9', ['--v=2']),
  ];
  kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }));
});
afterAll(() => {
  kubectl(['delete', 'namespace', NS, '--wait=false']);
});

describe('kubectl certs lint on kubectl get -o yaml (a List from the real API server)', () => {
  it('finds the flag inside the metrics-server item, at its line in kubectl output', () => {
    const listed = kubectl(['get', 'deploy', '-n', NS, '-o', 'yaml']);
    expect(listed).toMatch(/^apiVersion: v1\nitems:\n- apiVersion: apps\/v1\n/);
    expect(listed).toMatch(/\nkind: List\n/);
    const line = listed.split('\n').findIndex((l) => l.trim() === '- --kubelet-insecure-tls') + 1;
    const r = lint(['-'], listed);
    expect(r.stdout).toMatch(new RegExp(`^-:${line}:\\d+: warning insecure-kubelet-tls `));
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    expect(r.code).toBe(3);
  });

  it('--fix - gives a List the API server accepts (server-side dry run), and that lints clean', () => {
    const listed = kubectl(['get', 'deploy', '-n', NS, '-o', 'yaml']);
    const fixed = lint(['-', '--fix'], listed).stdout;
    expect(fixed).toContain('- --kubelet-certificate-authority=/etc/kubernetes/kubelet-ca/ca.crt');
    expect(lint(['-'], fixed)).toMatchObject({ code: 0, stdout: '' });
    const applied = kubectl(['apply', '--dry-run=server', '-f', '-', '-o', 'yaml'], fixed);
    expect(applied).toContain('name: kube-root-ca.crt');
    expect(applied).toContain('--kubelet-certificate-authority=/etc/kubernetes/kubelet-ca/ca.crt');
  });
});
