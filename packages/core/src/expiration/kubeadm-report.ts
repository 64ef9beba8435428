import { type CertificateInfo, parseCertificate } from '../x509/certificate.ts';
import { isX509InputError } from '../x509/errors.ts';
import { kubeadmDate, shortHumanDuration, tabwrite } from './durations.ts';

/** One certificate kubeadm checks, as read from disk by the caller. */
export interface PkiEntry {
  name: string;
  /** The CA that signs it ("" for the CAs themselves). */
  caName: string;
  /** PEM text, or undefined when the file is absent. */
  pem: string | undefined;
  /** For CAs: whether the private key is present (absent = externally managed). */
  keyPresent?: boolean;
}

/** kubeadm's output.kubeadm.k8s.io/v1alpha3 Certificate. */
export interface KubeadmCertificate {
  name: string;
  expirationDate: string;
  /** Seconds until expiry, negative once expired. */
  residualTime: number;
  caName?: string;
  externallyManaged: boolean;
  missing: boolean;
  /** Not in kubeadm's type: why an unreadable file could not be read. */
  error?: string;
}

export interface CertificateExpirationInfo {
  kind: 'CertificateExpirationInfo';
  apiVersion: 'output.kubeadm.k8s.io/v1alpha3';
  certificates: KubeadmCertificate[];
  certificateAuthorities: KubeadmCertificate[];
}

/**
 * The report `kubeadm certs check-expiration` prints, from the files it reads: leaves and
 * kubeconfig client certificates sorted by name, then the CAs. A CA without its key is externally
 * managed, and so is everything it signs.
 */
export function kubeadmExpiration(leaves: PkiEntry[], cas: PkiEntry[], now: Date): CertificateExpirationInfo {
  const external = new Map(cas.map((c) => [c.name, c.pem !== undefined && c.keyPresent === false]));
  return {
    kind: 'CertificateExpirationInfo',
    apiVersion: 'output.kubeadm.k8s.io/v1alpha3',
    certificates: [...leaves]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((e) => entry(e, now, external.get(e.caName) ?? false)),
    certificateAuthorities: cas.map((e) => entry(e, now, e.keyPresent === false)),
  };
}

function entry(e: PkiEntry, now: Date, externallyManaged: boolean): KubeadmCertificate {
  const base = { name: e.name, ...(e.caName ? { caName: e.caName } : {}), externallyManaged };
  if (e.pem === undefined)
    return { ...base, expirationDate: new Date(0).toISOString(), residualTime: 0, missing: true };
  let cert: CertificateInfo;
  try {
    cert = parseCertificate(e.pem);
  } catch (err) {
    if (!isX509InputError(err)) throw err;
    return {
      ...base,
      expirationDate: new Date(0).toISOString(),
      residualTime: 0,
      missing: true,
      error: err.message,
    };
  }
  return {
    ...base,
    expirationDate: cert.notAfter.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    residualTime: Math.trunc((cert.notAfter.getTime() - now.getTime()) / 1000),
    missing: false,
  };
}

/** kubeadm's two tables, byte for byte (its tabwriter and %-8v for yes/no). */
export function renderKubeadmTables(info: CertificateExpirationInfo): string {
  const yesNo = (b: boolean) => (b ? 'yes' : 'no').padEnd(8);
  const when = (c: KubeadmCertificate) => [
    kubeadmDate(new Date(c.expirationDate)),
    shortHumanDuration(c.residualTime * 1000),
  ];
  const certs = tabwrite([
    ['CERTIFICATE', 'EXPIRES', 'RESIDUAL TIME', 'CERTIFICATE AUTHORITY', 'EXTERNALLY MANAGED'],
    ...info.certificates.map((c) =>
      c.missing
        ? [`!MISSING! ${c.name}`, '', '', '', '']
        : [c.name, ...when(c), c.caName ?? '', yesNo(c.externallyManaged)],
    ),
  ]);
  const cas = tabwrite([
    ['CERTIFICATE AUTHORITY', 'EXPIRES', 'RESIDUAL TIME', 'EXTERNALLY MANAGED'],
    ...info.certificateAuthorities.map((c) =>
      c.missing ? [`!MISSING! ${c.name}`, '', '', ''] : [c.name, ...when(c), yesNo(c.externallyManaged)],
    ),
  ]);
  return `${certs}\n\n${cas}`;
}
