import { describe, expect, it } from 'vitest';
import { applyEdits } from '../../src/lint/apply-edits.ts';
import { fixAll } from '../../src/lint/fix-all.ts';
import { lint } from '../../src/lint/lint.ts';

const kubeadm = `apiVersion: kubeadm.k8s.io/v1beta3
kind: ClusterConfiguration
apiServer:
  extraArgs:
    authorization-mode: Node,RBAC
---
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
serverTLSBootstrap: false
`;

describe('fixAll writes only what lint reported', () => {
  it('a fix that opens a finding in another document leaves that one for the next run', () => {
    const reported = lint(kubeadm);
    expect(reported.map((f) => f.ruleId)).toEqual(['kubelet-serving-bootstrap']);
    const { text, fixed } = fixAll(kubeadm, {});
    expect(text).toBe(applyEdits(kubeadm, reported[0]?.fixes[0]?.edits ?? []));
    expect(fixed).toEqual(reported);
    // Only now may the API server verify kubelets: the next lint reports it, with its fix.
    expect(lint(text).map((f) => [f.ruleId, f.fixes.length > 0])).toEqual([['apiserver-kubelet-ca', true]]);
  });

  it('fixes that overlap are applied in later rounds, and each is returned as it was reported', () => {
    const twice = `apiVersion: apps/v1
kind: Deployment
metadata: {name: metrics-server}
spec:
  template:
    spec:
      containers:
      - name: metrics-server
        image: registry.k8s.io/metrics-server/metrics-server:v0.7.2
        args:
        - --kubelet-insecure-tls
        command:
        - /metrics-server
        - --kubelet-insecure-tls=true
`;
    const reported = lint(twice);
    expect(reported).toHaveLength(2);
    const { text, fixed } = fixAll(twice, {});
    expect(fixed).toEqual(reported);
    expect(lint(text)).toEqual([]);
  });
});
