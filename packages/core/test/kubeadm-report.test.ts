import { describe, expect, it } from 'vitest';
import { kubeadmDate, shortHumanDuration } from '../src/expiration/durations.ts';
import { type CertificateExpirationInfo, renderKubeadmTables } from '../src/expiration/kubeadm-report.ts';

const DAY = 86_400;

describe("kubeadm's residual time (ShortHumanDuration)", () => {
  it.each([
    [-5_000, '<invalid>'],
    [-1_000, '0s'],
    [0, '0s'],
    [59_000, '59s'],
    [60_000, '1m'],
    [3_599_000, '59m'],
    [3_600_000, '1h'],
    [86_399_000, '23h'],
    [86_400_000, '1d'],
    [364 * DAY * 1000 + 5_000, '364d'],
    [365 * DAY * 1000, '1y'],
    [9.9 * 365 * DAY * 1000, '9y'],
  ])('%i ms is %s', (ms, text) => expect(shortHumanDuration(ms)).toBe(text));
});

describe("kubeadm's date layout", () => {
  it('prints Go\'s "Jan 02, 2006 15:04 MST" in UTC', () => {
    expect(kubeadmDate(new Date('2020-12-30T23:36:59Z'))).toBe('Dec 30, 2020 23:36 UTC');
    expect(kubeadmDate(new Date('2029-03-05T01:02:00Z'))).toBe('Mar 05, 2029 01:02 UTC');
  });
});

describe('the kubeadm tables', () => {
  it('match the output kubeadm documents, column for column', () => {
    const leaf = (name: string, caName = '') => ({
      name,
      expirationDate: '2020-12-30T23:36:00Z',
      residualTime: 364 * DAY + 3600,
      ...(caName ? { caName } : {}),
      externallyManaged: false,
      missing: false,
    });
    const ca = (name: string) => ({
      name,
      expirationDate: '2029-12-28T23:36:00Z',
      residualTime: 9 * 365 * DAY + 50 * DAY,
      externallyManaged: false,
      missing: false,
    });
    const info: CertificateExpirationInfo = {
      kind: 'CertificateExpirationInfo',
      apiVersion: 'output.kubeadm.k8s.io/v1alpha3',
      certificates: [
        leaf('admin.conf'),
        leaf('apiserver', 'ca'),
        leaf('apiserver-etcd-client', 'etcd-ca'),
        leaf('apiserver-kubelet-client', 'ca'),
        leaf('controller-manager.conf'),
        leaf('etcd-healthcheck-client', 'etcd-ca'),
        leaf('etcd-peer', 'etcd-ca'),
        leaf('etcd-server', 'etcd-ca'),
        leaf('front-proxy-client', 'front-proxy-ca'),
        leaf('scheduler.conf'),
      ],
      certificateAuthorities: [ca('ca'), ca('etcd-ca'), ca('front-proxy-ca')],
    };
    // kubeadm's documented output (shared/seeds/004), trailing spaces trimmed as in the document.
    const documented = `CERTIFICATE                EXPIRES                  RESIDUAL TIME   CERTIFICATE AUTHORITY   EXTERNALLY MANAGED
admin.conf                 Dec 30, 2020 23:36 UTC   364d                                    no
apiserver                  Dec 30, 2020 23:36 UTC   364d            ca                      no
apiserver-etcd-client      Dec 30, 2020 23:36 UTC   364d            etcd-ca                 no
apiserver-kubelet-client   Dec 30, 2020 23:36 UTC   364d            ca                      no
controller-manager.conf    Dec 30, 2020 23:36 UTC   364d                                    no
etcd-healthcheck-client    Dec 30, 2020 23:36 UTC   364d            etcd-ca                 no
etcd-peer                  Dec 30, 2020 23:36 UTC   364d            etcd-ca                 no
etcd-server                Dec 30, 2020 23:36 UTC   364d            etcd-ca                 no
front-proxy-client         Dec 30, 2020 23:36 UTC   364d            front-proxy-ca          no
scheduler.conf             Dec 30, 2020 23:36 UTC   364d                                    no

CERTIFICATE AUTHORITY   EXPIRES                  RESIDUAL TIME   EXTERNALLY MANAGED
ca                      Dec 28, 2029 23:36 UTC   9y              no
etcd-ca                 Dec 28, 2029 23:36 UTC   9y              no
front-proxy-ca          Dec 28, 2029 23:36 UTC   9y              no`;
    const ours = renderKubeadmTables(info)
      .split('\n')
      .map((l) => l.trimEnd())
      .join('\n');
    expect(ours).toBe(documented);
  });
});
