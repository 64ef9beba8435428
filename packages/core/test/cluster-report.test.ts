import { beforeAll, describe, expect, it } from 'vitest';
import { clusterExpiryRows, type IssuerKind, type KnownCas } from '../src/expiration/cluster-report.ts';
import { createServingCa, issueServingCertificate, type PemKeyPair } from '../src/secure/serving-ca.ts';
import { type CertificateInfo, parseCertificate } from '../src/x509/certificate.ts';
import { toPem } from '../src/x509/pem.ts';
import { der, generateCa, generateLeaf } from './support/generated.ts';

// Real certificates: our metrics-server CA as `secure metrics-server` makes it (and its successor
// after a rotation), an impostor CA of the very same name, and a cluster CA; leaves from each.
const day = 86_400_000;
const now = new Date('2026-06-01T00:00:00Z');
const names = ['metrics-server.kube-system.svc', 'metrics-server.kube-system', 'metrics-server'];
const cert: Record<string, CertificateInfo> = {};
let known: KnownCas;

beforeAll(async () => {
  const ca = async () => createServingCa(now, 3000 * day);
  const serve = async (issuer: PemKeyPair) =>
    parseCertificate((await issueServingCertificate(issuer, names, now, 300 * day)).cert);
  const [ours, previous, impostor] = [await ca(), await ca(), await ca()];
  const cluster = await generateCa('CN=kubernetes', now, new Date(now.getTime() + 3650 * day));
  const kubelet = await generateLeaf('CN=system:node:n1', cluster, now, new Date(now.getTime() + 365 * day));
  Object.assign(cert, {
    ours: parseCertificate(ours.cert),
    fromOurs: await serve(ours),
    fromPrevious: await serve(previous),
    fromImpostor: await serve(impostor),
    cluster: parseCertificate(toPem(der(cluster.cert), 'CERTIFICATE')),
    fromCluster: parseCertificate(toPem(der(kubelet), 'CERTIFICATE')),
  });
  known = {
    clusterCa: [cert.cluster as CertificateInfo],
    metricsServerCa: [cert.ours as CertificateInfo, parseCertificate(previous.cert)],
  };
});

const cases: [string, string, IssuerKind][] = [
  [
    'a serving certificate signed by our metrics-server CA names it',
    'fromOurs',
    'kubectl-certs metrics-server CA',
  ],
  [
    'one signed by the previous CA, kept during a rotation, names it too',
    'fromPrevious',
    'kubectl-certs metrics-server CA',
  ],
  [
    'one from another CA of the same name is "other": the signature decides, not the name',
    'fromImpostor',
    'other',
  ],
  ['our CA itself is self-signed', 'ours', 'self-signed'],
  ["a kubelet's certificate from the cluster CA is the cluster CA's", 'fromCluster', 'cluster CA'],
];

describe("check-expiration's issuer kinds, by signature", () => {
  it.each(cases)('%s', async (_, name, kind) => {
    const [row] = await clusterExpiryRows([{ what: 'x', where: 'y', cert: cert[name] }], known, now);
    expect(row?.issuerKind).toBe(kind);
  });

  it('without the metrics-server CA (none was found), its certificates are "other"', async () => {
    const [row] = await clusterExpiryRows(
      [{ what: 'x', where: 'y', cert: cert.fromOurs }],
      { clusterCa: known.clusterCa },
      now,
    );
    expect(row?.issuerKind).toBe('other');
  });
});
