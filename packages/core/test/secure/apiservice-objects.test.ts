import { describe, expect, it } from 'vitest';
import {
  apiServiceCertManagerEdit,
  apiServiceTlsEdit,
  caSecret,
  certManagerObjects,
  deploymentTlsEdit,
  servingArgs,
} from '../../src/secure/apiservice-objects.ts';

const ms = { namespace: 'kube-system', name: 'metrics-server', container: 'metrics-server' };
const CERT = '--tls-cert-file=/etc/kubernetes/metrics-server-tls/tls.crt';
const KEY = '--tls-private-key-file=/etc/kubernetes/metrics-server-tls/tls.key';

describe("metrics-server's args with the serving Secret's flags", () => {
  it.each<[string, string[], string[]]>([
    [
      'the release manifest: both added at the end',
      ['--cert-dir=/tmp', '--secure-port=10250'],
      ['--cert-dir=/tmp', '--secure-port=10250', CERT, KEY],
    ],
    [
      'earlier values replaced (--flag=value)',
      ['--tls-cert-file=/old.crt', '--v=2', '--tls-private-key-file=/old.key'],
      ['--v=2', CERT, KEY],
    ],
    [
      'earlier values replaced (--flag value)',
      ['--tls-cert-file', '/old.crt', '--v=2'],
      ['--v=2', CERT, KEY],
    ],
    ['applied twice: the same', [CERT, KEY], [CERT, KEY]],
    ['a flag that only starts alike stays', ['--tls-cert-file-x=1'], ['--tls-cert-file-x=1', CERT, KEY]],
  ])('%s', (_, args, want) => {
    expect(servingArgs(args)).toEqual(want);
  });
});

describe('the objects of the APIService leg', () => {
  it('edits only the Deployment fields it owns: the volume, the mount and the args', () => {
    expect(deploymentTlsEdit(ms, ['--cert-dir=/tmp'])).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'metrics-server', namespace: 'kube-system' },
      spec: {
        template: {
          spec: {
            containers: [
              {
                name: 'metrics-server',
                args: ['--cert-dir=/tmp', CERT, KEY],
                volumeMounts: [
                  {
                    name: 'kubectl-certs-tls',
                    mountPath: '/etc/kubernetes/metrics-server-tls',
                    readOnly: true,
                  },
                ],
              },
            ],
            volumes: [{ name: 'kubectl-certs-tls', secret: { secretName: 'metrics-server-tls' } }],
          },
        },
      },
    });
  });

  it('turns verification on with the bundle, base64 of the PEM', () => {
    expect(apiServiceTlsEdit('v1beta1.metrics.k8s.io', 'PEM\n')).toMatchObject({
      spec: { caBundle: Buffer.from('PEM\n').toString('base64'), insecureSkipTLSVerify: false },
    });
  });

  it('keeps the previous CA and the time of the rotation in the CA Secret, during a rotation only', () => {
    const content = {
      ca: { cert: 'C', key: 'K' },
      serving: { namespace: 'kube-system', name: 'metrics-server-tls' },
      apiService: 'v1beta1.metrics.k8s.io',
    };
    const steady = caSecret('kubectl-certs', content) as { data: object; metadata: { annotations: object } };
    expect(Object.keys(steady.data)).toEqual(['tls.crt', 'tls.key']);
    expect(steady.metadata.annotations).toEqual({
      'kubectl-certs.io/serving-secret': 'kube-system/metrics-server-tls',
      'kubectl-certs.io/apiservice': 'v1beta1.metrics.k8s.io',
    });
    const rotating = caSecret('kubectl-certs', {
      ...content,
      previousCaCert: 'OLD',
      rotatedAt: new Date('2026-01-01T00:00:00Z'),
    }) as { data: Record<string, string>; metadata: { annotations: Record<string, string> } };
    expect(Buffer.from(rotating.data['previous-ca.crt'] ?? '', 'base64').toString()).toBe('OLD');
    expect(rotating.metadata.annotations['kubectl-certs.io/ca-rotated-at']).toBe('2026-01-01T00:00:00.000Z');
  });

  it("with cert-manager: a CA Issuer's Certificate into <name>-tls, and the cainjector pointed at it", () => {
    const names = ['metrics-server.kube-system.svc', 'metrics-server.kube-system', 'metrics-server'];
    const objects = certManagerObjects(ms, names, 'kubectl-certs metrics-server CA') as {
      kind: string;
      metadata: { name: string };
      spec: Record<string, unknown>;
    }[];
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'Issuer/metrics-server-selfsigned',
      'Certificate/metrics-server-ca',
      'Issuer/metrics-server-ca',
      'Certificate/metrics-server-tls',
    ]);
    expect(objects[3]?.spec).toMatchObject({
      secretName: 'metrics-server-tls',
      dnsNames: names,
      usages: ['server auth', 'digital signature'],
      issuerRef: { name: 'metrics-server-ca', kind: 'Issuer' },
    });
    expect(apiServiceCertManagerEdit('v1beta1.metrics.k8s.io', ms)).toMatchObject({
      metadata: { annotations: { 'cert-manager.io/inject-ca-from': 'kube-system/metrics-server-tls' } },
      spec: { insecureSkipTLSVerify: false },
    });
  });
});
