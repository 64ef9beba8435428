import type { CertManagerFacts } from '@kubectl-certs/core';
import { afterEach, describe, expect, it } from 'vitest';
import { readCertManagerFacts } from '../src/secure/cert-manager-facts.ts';
import { FakeApiServer } from './support/fake-api-server.ts';

// What secure metrics-server reads to judge whether cert-manager runs, from an API server in this
// process: its CRD, then its controller's and cainjector's Leases.
const crd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'certificates.cert-manager.io' },
};
const renewTime = '2026-12-02T13:59:50.123456Z';
const lease = (name: string, holderIdentity: string) => ({
  apiVersion: 'coordination.k8s.io/v1',
  kind: 'Lease',
  metadata: { name, namespace: 'kube-system' },
  spec: { holderIdentity, leaseDurationSeconds: 60, renewTime, acquireTime: renewTime },
});
const CONTROLLER = lease('cert-manager-controller', 'cm-6d8c-external-cert-manager-controller');
const CAINJECTOR = lease('cert-manager-cainjector-leader-election', 'cainjector-5c9f_1b2e');
const LEASES = '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/';

let fake: FakeApiServer;
afterEach(() => fake?.stop());

describe("reading cert-manager's CRD and Leases", () => {
  it.each<
    [
      string,
      Record<string, unknown>[],
      ((path: string) => { code: number; message: string } | undefined) | undefined,
      CertManagerFacts,
    ]
  >([
    ['no CRD: not installed, no Lease read', [], undefined, { crd: false }],
    [
      'the CRD and both Leases: who holds them, when they were renewed, for how long',
      [crd, CONTROLLER, CAINJECTOR],
      undefined,
      {
        crd: true,
        leases: {
          controller: {
            state: 'found',
            holderIdentity: 'cm-6d8c-external-cert-manager-controller',
            renewTime: '2026-12-02T13:59:50.123Z',
            leaseDurationSeconds: 60,
          },
          cainjector: {
            state: 'found',
            holderIdentity: 'cainjector-5c9f_1b2e',
            renewTime: '2026-12-02T13:59:50.123Z',
            leaseDurationSeconds: 60,
          },
        },
      },
    ],
    [
      'the CRD without Leases: both absent',
      [crd],
      undefined,
      { crd: true, leases: { controller: { state: 'absent' }, cainjector: { state: 'absent' } } },
    ],
    [
      'a Lease it may not read: the exact permission, not "no cert-manager"',
      [crd, CONTROLLER, CAINJECTOR],
      (path) =>
        path === `${LEASES}cert-manager-controller`
          ? { code: 403, message: 'leases.coordination.k8s.io "cert-manager-controller" is forbidden' }
          : undefined,
      {
        crd: true,
        leases: {
          controller: {
            state: 'forbidden',
            permission: 'get leases "cert-manager-controller" (coordination.k8s.io) in namespace kube-system',
          },
          cainjector: expect.objectContaining({ state: 'found' }),
        },
      },
    ],
  ])('%s', async (_what, objects, answer, facts) => {
    fake = new FakeApiServer();
    const kc = await fake.start();
    for (const o of objects) fake.put(o);
    if (answer) fake.answer = (_method, path) => answer(path);
    expect(await readCertManagerFacts(kc, 2000)).toEqual(facts);
  });

  it("any other failure is the API server's, in its words", async () => {
    fake = new FakeApiServer();
    const kc = await fake.start();
    fake.put(crd);
    fake.answer = (_method, path) =>
      path.startsWith(LEASES) ? { code: 500, message: 'etcdserver: request timed out' } : undefined;
    await expect(readCertManagerFacts(kc, 2000)).rejects.toThrow(
      "reading Lease kube-system/cert-manager-controller (whether cert-manager's controller runs): HTTP 500: etcdserver: request timed out",
    );
  });
});
