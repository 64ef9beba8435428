import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type KubeletStatus, planKubeletLeg } from '../../src/secure/kubelet-leg.ts';

// The Deployment of metrics-server's release manifest (components.yaml, v0.7), as a cluster returns
// it with `kubectl get -o yaml` (trimmed to what the leg edits), with the flag users add.
const deployment = (args: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: metrics-server
  namespace: kube-system
  labels:
    k8s-app: metrics-server
spec:
  selector:
    matchLabels:
      k8s-app: metrics-server
  template:
    metadata:
      labels:
        k8s-app: metrics-server
    spec:
      containers:
      - name: metrics-server
        image: registry.k8s.io/metrics-server/metrics-server:v0.7.2
        args:
        - --cert-dir=/tmp
        - --secure-port=10250
        - --kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname
        - --kubelet-use-node-status-port
        - --metric-resolution=15s
${args}
        volumeMounts:
        - mountPath: /tmp
          name: tmp-dir
      volumes:
      - emptyDir: {}
        name: tmp-dir
`;
const insecure = deployment('        - --kubelet-insecure-tls');
const ok = (node: string): KubeletStatus => ({ node, verifies: true, reason: 'OK' });
const selfSigned = (node: string): KubeletStatus => ({
  node,
  verifies: false,
  reason: 'x509: certificate signed by unknown authority',
});

const container = (yaml: string) => parse(yaml).spec.template.spec.containers[0];

describe('the kubelet leg', () => {
  it('replaces --kubelet-insecure-tls with the cluster CA and mounts kube-root-ca.crt, as lint --fix does', () => {
    const plan = planKubeletLeg(insecure, [ok('worker-1'), ok('worker-2')], []);
    expect(plan.state).toBe('ready');
    const c = container(plan.after);
    expect(c.args).not.toContain('--kubelet-insecure-tls');
    expect(c.args).toContain('--kubelet-certificate-authority=/etc/kubernetes/kubelet-ca/ca.crt');
    expect(c.volumeMounts).toContainEqual({
      name: 'kube-root-ca',
      mountPath: '/etc/kubernetes/kubelet-ca',
      readOnly: true,
    });
    expect(parse(plan.after).spec.template.spec.volumes).toContainEqual({
      name: 'kube-root-ca',
      configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] },
    });
    expect(plan.changes).toEqual([
      'Verify kubelets with the cluster CA (mount kube-root-ca.crt, use --kubelet-certificate-authority)',
    ]);
    expect(plan.unfixable).toEqual([]);
  });

  it('changes nothing else in the manifest', () => {
    const plan = planKubeletLeg(insecure, [ok('worker-1')], []);
    const before = parse(insecure);
    const after = parse(plan.after);
    after.spec.template.spec.containers[0].args = before.spec.template.spec.containers[0].args;
    delete after.spec.template.spec.containers[0].volumeMounts;
    delete before.spec.template.spec.containers[0].volumeMounts;
    after.spec.template.spec.volumes = before.spec.template.spec.volumes;
    expect(after).toEqual(before);
  });

  it.each<[string, KubeletStatus[], string[], string, string[], string[]]>([
    ['every kubelet verifies: ready', [ok('a'), ok('b')], [], 'ready', [], []],
    ['a self-signed kubelet blocks it', [ok('a'), selfSigned('b')], [], 'blocked', ['b'], []],
    ['unless --allow-unverified-nodes names it', [ok('a'), selfSigned('b')], ['b'], 'ready', [], ['b']],
    ['naming another node does not unblock it', [ok('a'), selfSigned('b')], ['a'], 'blocked', ['b'], []],
  ])('%s', (_what, kubelets, allowed, state, blockers, accepted) => {
    const plan = planKubeletLeg(insecure, kubelets, allowed);
    expect(plan.state).toBe(state);
    expect(plan.blockers.map((k) => k.node)).toEqual(blockers);
    expect(plan.accepted.map((k) => k.node)).toEqual(accepted);
  });

  it('says which --allow-unverified-nodes names are no node', () => {
    expect(planKubeletLeg(insecure, [ok('a')], ['worker-9']).unknownAllowed).toEqual(['worker-9']);
  });

  it('is done when metrics-server already verifies with the mounted cluster CA', () => {
    const secured = planKubeletLeg(insecure, [ok('a')], []).after;
    const plan = planKubeletLeg(secured, [selfSigned('b')], []);
    expect(plan.state).toBe('done');
    expect(plan.after).toBe(secured);
    expect(plan.blockers.map((k) => k.node)).toEqual(['b']);
  });

  it('is blocked, not done, when the flag is there but no edit can remove it (a flow-style list)', () => {
    const flow = insecure.replace(
      / {8}args:\n( {8}- .*\n)+/,
      '        args: [--cert-dir=/tmp, --kubelet-insecure-tls]\n',
    );
    expect(flow).toContain('args: [--cert-dir=/tmp, --kubelet-insecure-tls]');
    const plan = planKubeletLeg(flow, [ok('a')], []);
    expect(plan.state).not.toBe('done');
  });
});
