import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { lint } from '../../src/lint/lint.ts';
import { metricsServerChartValues } from '../../src/secure/chart-values.ts';

// The container args of a metrics-server installed by its chart (3.12, defaults, tls.type
// metrics-server) with `args: [--kubelet-insecure-tls, --v=2]` in the user's values.
const helmInstalled = [
  '--secure-port=10250',
  '--cert-dir=/tmp',
  '--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname',
  '--kubelet-use-node-status-port',
  '--metric-resolution=15s',
  '--kubelet-insecure-tls',
  '--v=2',
];

describe('chart values for the end state of both legs', () => {
  it("keep the user's own args, drop the insecure flag, and add the cluster CA and its mount", () => {
    expect(metricsServerChartValues(helmInstalled, false)).toEqual({
      args: ['--v=2', '--kubelet-certificate-authority=/etc/kubernetes/kubelet-ca/ca.crt'],
      extraVolumes: [
        {
          name: 'kube-root-ca',
          configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] },
        },
      ],
      extraVolumeMounts: [{ name: 'kube-root-ca', mountPath: '/etc/kubernetes/kubelet-ca', readOnly: true }],
      tls: { type: 'helm' },
      apiService: { insecureSkipTLSVerify: false },
    });
  });

  it('use cert-manager for the serving certificate when it is installed', () => {
    expect(metricsServerChartValues(helmInstalled, true).tls).toEqual({ type: 'cert-manager' });
  });

  it.each([
    ['--kubelet-insecure-tls=true'],
    ['--kubelet-certificate-authority=/old/ca.crt'],
    ['--tls-cert-file=/x/tls.crt'],
  ])('leave out %s (replaced, or written by the chart)', (arg) => {
    expect(metricsServerChartValues([arg], false).args).toEqual([
      '--kubelet-certificate-authority=/etc/kubernetes/kubelet-ca/ca.crt',
    ]);
  });

  it('pass our own lint, which finds the insecure values they replace', () => {
    const values = metricsServerChartValues(helmInstalled, false);
    const insecure = {
      ...values,
      args: ['--kubelet-insecure-tls'],
      apiService: { insecureSkipTLSVerify: true },
    };
    expect(
      lint(stringify(insecure))
        .map((f) => f.ruleId)
        .sort(),
    ).toEqual(['helm-apiservice-insecure', 'helm-insecure-kubelet-tls']);
    expect(lint(stringify(values)).filter((f) => f.severity !== 'info')).toEqual([]);
  });
});
