import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultLeaseNamespace, ownNamespace } from '../src/approver/identity.ts';

// A pod's service account folder, as the kubelet mounts it, under a root of the test's own.
const root = mkdtempSync(join(tmpdir(), 'sa-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const saDir = join(root, 'var/run/secrets/kubernetes.io/serviceaccount');
mkdirSync(saDir, { recursive: true });
writeFileSync(join(saDir, 'namespace'), 'from-token\n');
const inPod = { KUBECTL_CERTS_IN_CLUSTER_ROOT: root };
const outside = { KUBECTL_CERTS_IN_CLUSTER_ROOT: join(root, 'nothing') };

const cases: [string, NodeJS.ProcessEnv, string | undefined, string, string][] = [
  [
    'in a pod: its namespace, even with the Lease elsewhere',
    { ...outside, POD_NAMESPACE: 'certs-system' },
    'kube-system',
    'certs-system',
    'certs-system',
  ],
  [
    "in a pod without $POD_NAMESPACE: its service account's",
    inPod,
    'kube-system',
    'from-token',
    'from-token',
  ],
  ['outside a pod: --lease-namespace', outside, 'kube-system', 'kube-system', 'default'],
  ['outside a pod, no flag: default', outside, undefined, 'default', 'default'],
];

describe("approver run's own namespace, where it reads the metrics-server CA", () => {
  it.each(cases)('%s', (_, env, leaseFlag, own, lease) => {
    expect(ownNamespace(leaseFlag, env)).toBe(own);
    expect(defaultLeaseNamespace(env)).toBe(lease);
  });
});
