import type { CertificateInfo } from '../x509/certificate.ts';
import { normalizeIp } from '../x509/subject-alt-names.ts';

/**
 * What Go's Certificate.VerifyHostname says about `host`: undefined when it matches, else the
 * exact text of its HostnameError (crypto/x509, Go >= 1.15, where the CN is never used).
 */
export function hostnameError(cert: CertificateInfo, host: string): string | undefined {
  const ip = normalizeIp(host.replace(/^\[|\]$/g, ''));
  if (ip !== undefined) {
    if (cert.sans.ip.includes(ip)) return undefined;
  } else if (cert.sans.dns.some((pattern) => matchHostname(pattern, host))) return undefined;
  return describeMismatch(cert, host, ip !== undefined);
}

function describeMismatch(cert: CertificateInfo, host: string, isIp: boolean): string {
  const hasSans =
    cert.sans.dns.length +
      cert.sans.ip.length +
      cert.sans.email.length +
      cert.sans.uri.length +
      cert.sans.other.length >
    0;
  const cn = cert.subject.commonNames[0];
  if (!hasSans && cn !== undefined && matchHostname(cn, host)) {
    return 'x509: certificate relies on legacy Common Name field, use SANs instead';
  }
  let valid: string;
  if (isIp) {
    if (cert.sans.ip.length === 0)
      return `x509: cannot validate certificate for ${host} because it doesn't contain any IP SANs`;
    valid = cert.sans.ip.join(', ');
  } else {
    valid = cert.sans.dns.join(', ');
  }
  if (valid === '') return `x509: certificate is not valid for any names, but wanted to match ${host}`;
  return `x509: certificate is valid for ${valid}, not ${host}`;
}

/** Go's matchHostnames: ASCII case-insensitive, the host's trailing dot ignored, "*" matches the whole first label. */
export function matchHostname(pattern: string, host: string): boolean {
  const p = pattern.toLowerCase();
  const h = host.toLowerCase().replace(/\.$/, '');
  if (p === '' || h === '') return false;
  const pl = p.split('.');
  const hl = h.split('.');
  if (pl.length !== hl.length) return false;
  return pl.every((label, i) => (i === 0 && label === '*') || label === hl[i]);
}
