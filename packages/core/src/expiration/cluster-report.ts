import { SERVING_CA_NAME } from '../secure/serving-ca.ts';
import type { CertificateInfo } from '../x509/certificate.ts';
import { issuedByAny, issuedByServedCa } from '../x509/chain.ts';

/** One place a certificate was found in the cluster, or why it could not be read there. */
export interface FoundCertificate {
  /** What it is, e.g. "kubelet serving", "API server serving", "APIService caBundle". */
  what: string;
  /** Where, e.g. the node and endpoint, the object's name. */
  where: string;
  cert?: CertificateInfo;
  /** The rest of the chain the server presented with `cert` (a kubelet sends its own CA). */
  servedWith?: CertificateInfo[];
  error?: string;
}

/** Who signed a certificate: itself, the cluster CA, the CA `secure metrics-server` made, or someone else. */
export type IssuerKind = 'self-signed' | 'cluster CA' | typeof SERVING_CA_NAME | 'other';

/** The CAs a certificate's signature is checked against (by signature: a name proves nothing). */
export interface KnownCas {
  /** kube-root-ca.crt's certificates. */
  clusterCa: readonly CertificateInfo[];
  /** The metrics-server CA of `secure metrics-server`, current and previous (its CA Secrets). */
  metricsServerCa?: readonly CertificateInfo[];
}

export interface ExpiryRow {
  what: string;
  where: string;
  subject: string;
  issuer: string;
  issuerKind?: IssuerKind;
  notAfter?: string;
  /** Seconds until expiry, negative once expired. */
  residualSeconds?: number;
  error?: string;
}

/**
 * One row per certificate found, sorted by residual time (soonest first; what could not be read
 * last), with its issuer classified against the known CAs.
 */
export async function clusterExpiryRows(
  found: FoundCertificate[],
  cas: KnownCas,
  now: Date,
): Promise<ExpiryRow[]> {
  const rows = await Promise.all(
    found.map(async (f): Promise<ExpiryRow> => {
      if (!f.cert)
        return { what: f.what, where: f.where, subject: '', issuer: '', error: f.error ?? 'unreadable' };
      const c = f.cert;
      const kind = await issuerKind(c, f.servedWith ?? [], cas);
      return {
        what: f.what,
        where: f.where,
        subject: c.subject.text,
        issuer: c.issuer.text,
        issuerKind: kind,
        notAfter: c.notAfter.toISOString().replace(/\.\d{3}Z$/, 'Z'),
        residualSeconds: Math.trunc((c.notAfter.getTime() - now.getTime()) / 1000),
      };
    }),
  );
  const key = (r: ExpiryRow) => r.residualSeconds ?? Number.POSITIVE_INFINITY;
  return rows.sort(
    (a, b) => key(a) - key(b) || a.what.localeCompare(b.what) || a.where.localeCompare(b.where),
  );
}

async function issuerKind(
  c: CertificateInfo,
  servedWith: readonly CertificateInfo[],
  cas: KnownCas,
): Promise<IssuerKind> {
  if (c.selfIssued) return 'self-signed';
  if (await issuedByAny(c, cas.clusterCa)) return 'cluster CA';
  if (await issuedByAny(c, cas.metricsServerCa ?? [])) return SERVING_CA_NAME;
  return issuedByServedCa(c, servedWith) ? 'self-signed' : 'other';
}
