import type { CertificateInfo } from '../x509/certificate.ts';
import { goCertificate } from '../x509/go-certificate.ts';
import { normalizeIp } from '../x509/subject-alt-names.ts';

/**
 * What Go's Certificate.VerifyHostname says about `host`: undefined when it matches, else the
 * exact text of its HostnameError (crypto/x509, Go >= 1.15, where the CN is never used).
 */
export function hostnameError(cert: CertificateInfo, host: string): string | undefined {
  const bracketed = host.length >= 3 && host.startsWith('[') && host.endsWith(']');
  const candidateIp = bracketed ? host.slice(1, -1) : host;
  const ip = normalizeIp(candidateIp);
  if (ip !== undefined) {
    if (cert.sans.ip.includes(ip)) return undefined;
    return describeMismatch(cert, candidateIp, true);
  }
  const name = lowerAscii(host);
  const validName = validHostname(name, false);
  for (const pattern of cert.sans.dns) {
    const match =
      validName && validHostname(pattern, true) ? matchHostname(pattern, name) : matchExactly(pattern, name);
    if (match) return undefined;
  }
  return describeMismatch(cert, host, false);
}

/** HostnameError.Error(). */
function describeMismatch(cert: CertificateInfo, host: string, isIp: boolean): string {
  const cn = goCertificate(cert).commonName;
  if (goCertificate(cert).sanExtension === undefined && matchHostname(cn, host)) {
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
  const p = lowerAscii(pattern);
  const h = lowerAscii(host.replace(/\.$/, ''));
  if (p === '' || h === '') return false;
  const pl = p.split('.');
  const hl = h.split('.');
  if (pl.length !== hl.length) return false;
  return pl.every((label, i) => (i === 0 && label === '*') || label === hl[i]);
}

/** Go's matchExactly, for names that are not valid hostnames: equal but for ASCII case. */
function matchExactly(a: string, b: string): boolean {
  if (a === '' || a === '.' || b === '' || b === '.') return false;
  return lowerAscii(a) === lowerAscii(b);
}

/** Go's validHostname: non-empty labels of letters, digits, '_' and inner '-'; a pattern may start with "*". */
function validHostname(host: string, isPattern: boolean): boolean {
  const h = isPattern ? host : host.replace(/\.$/, '');
  if (h === '') return false;
  return h
    .split('.')
    .every(
      (label, i) =>
        label !== '' &&
        ((isPattern && i === 0 && label === '*') || /^[A-Za-z0-9_][A-Za-z0-9_-]*$/.test(label)),
    );
}

function lowerAscii(s: string): string {
  return s.replace(/[A-Z]/g, (c) => c.toLowerCase());
}
