import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { planKubeletLeg } from '../../src/secure/kubelet-leg.ts';
import { kubeletLegPatch } from '../../src/secure/kubelet-leg-patch.ts';

const deployment = (args: string[], extra: { volumes?: object[]; mounts?: object[] } = {}) =>
  stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'metrics-server', namespace: 'kube-system', labels: { 'k8s-app': 'metrics-server' } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { 'k8s-app': 'metrics-server' } },
      template: {
        metadata: { labels: { 'k8s-app': 'metrics-server' } },
        spec: {
          containers: [
            {
              name: 'metrics-server',
              image: 'registry.k8s.io/metrics-server/metrics-server:v0.7.2',
              args,
              volumeMounts: [{ mountPath: '/tmp', name: 'tmp-dir' }, ...(extra.mounts ?? [])],
            },
          ],
          volumes: [{ name: 'tmp-dir', emptyDir: {} }, ...(extra.volumes ?? [])],
        },
      },
    },
  });

const releaseArgs = ['--cert-dir=/tmp', '--secure-port=10250', '--kubelet-insecure-tls'];

describe('the kubelet leg as a server-side apply of only the fields it changes', () => {
  it('sends the whole args (an atomic list), the new mount and the new volume, and nothing else', () => {
    const before = deployment(releaseArgs);
    const { after } = planKubeletLeg(before, [], []);
    expect(kubeletLegPatch(before, after)).toEqual({
      ok: true,
      patch: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'metrics-server', namespace: 'kube-system' },
        spec: {
          template: {
            spec: {
              containers: [
                {
                  name: 'metrics-server',
                  args: [
                    '--cert-dir=/tmp',
                    '--secure-port=10250',
                    '--kubelet-certificate-authority=/etc/kubernetes/kubelet-ca/ca.crt',
                  ],
                  volumeMounts: [
                    { name: 'kube-root-ca', mountPath: '/etc/kubernetes/kubelet-ca', readOnly: true },
                  ],
                },
              ],
              volumes: [
                {
                  name: 'kube-root-ca',
                  configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] },
                },
              ],
            },
          },
        },
      },
    });
  });

  it('is nothing when the edit changes nothing', () => {
    const d = deployment(['--kubelet-certificate-authority=/ca.crt']);
    expect(kubeletLegPatch(d, d)).toEqual({ ok: true, patch: undefined });
  });

  it('sends only args when the pod already has its kube-root-ca.crt volume and mount', () => {
    const before = deployment(['--kubelet-insecure-tls'], {
      volumes: [{ name: 'ca', configMap: { name: 'kube-root-ca.crt' } }],
      mounts: [{ name: 'ca', mountPath: '/ca' }],
    });
    const after = before.replace('- --kubelet-insecure-tls', '- --kubelet-certificate-authority=/ca/ca.crt');
    const r = kubeletLegPatch(before, after);
    expect(r.ok && r.patch?.spec.template.spec).toEqual({
      containers: [{ name: 'metrics-server', args: ['--kubelet-certificate-authority=/ca/ca.crt'] }],
    });
  });

  it('refuses an edit that removes a volume: applying our fields cannot remove another manager’s', () => {
    const before = deployment(releaseArgs, { volumes: [{ name: 'old', emptyDir: {} }] });
    const after = deployment(releaseArgs);
    expect(kubeletLegPatch(before, after)).toEqual({
      ok: false,
      reason: 'the edit removes name old, which a server-side apply of our fields cannot do',
    });
  });
});
