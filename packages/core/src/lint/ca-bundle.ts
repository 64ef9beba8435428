import { isMap, isScalar, parseAllDocuments, visit, type YAMLMap } from 'yaml';
import { type CertificateInfo, parseCertificates } from '../x509/certificate.ts';
import { isX509InputError } from '../x509/errors.ts';
import { toPem, type X509Input } from '../x509/pem.ts';
import { documentKind } from './document-kind.ts';
import { inFile, type ParseCache, parseFile } from './parsed-file.ts';
import { detectEol, textRange } from './source-text.ts';
import type { TextEdit, TextRange } from './types.ts';
import { addMapEntry, removeMapEntry, replaceScalar } from './yaml-edits.ts';

/** A CA that expires within this long is worth a warning (the cabundle-invalid rule and the editor agree). */
export const CA_EXPIRY_WARNING_MS = 30 * 86_400_000;

export type CaBundleContents = { ok: true; certificates: CertificateInfo[] } | { ok: false; reason: string };

/** Reads a caBundle value: the base64 of one or more PEM certificates. Never throws. */
export function decodeCaBundle(value: string): CaBundleContents {
  const b64 = value.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 !== 0)
    return {
      ok: false,
      reason: 'caBundle is not base64: it must be the base64 of the PEM CA certificate(s).',
    };
  try {
    const certificates = parseCertificates(Buffer.from(b64, 'base64').toString('latin1'));
    return { ok: true, certificates };
  } catch (e) {
    return { ok: false, reason: `caBundle does not hold PEM certificates: ${(e as Error).message}.` };
  }
}

export interface CaBundleValue {
  /** The value's range in the text. */
  range: TextRange;
  contents: CaBundleContents;
}

/**
 * Every non-empty `caBundle:` value in a YAML text, wherever it sits (an APIService's spec, a
 * webhook's clientConfig, a CRD's conversion webhook). A file that does not parse has none.
 */
export function findCaBundles(text: string, cache?: ParseCache): CaBundleValue[] {
  if (!text.includes('caBundle')) return [];
  const chunks = parseFile(text, cache);
  if (chunks.some((c) => c.docs.some((d) => d.errors.length > 0))) return [];
  const found: CaBundleValue[] = [];
  for (const c of chunks)
    for (const doc of c.docs)
      visit(doc, {
        Pair(_, pair) {
          if (!isScalar(pair.key) || pair.key.value !== 'caBundle' || !isScalar(pair.value)) return;
          const { value, range } = pair.value;
          if (typeof value !== 'string' || value.trim() === '' || !range) return;
          const at = inFile(textRange(c.lineCounter, range[0], range[1]), c);
          found.push({ range: at, contents: decodeCaBundle(value) });
        },
      });
  return found;
}

export interface CaExpiry {
  /** The certificate of the bundle that expires first. */
  soonest: CertificateInfo;
  state: 'valid' | 'expiring' | 'expired';
  /** "CA expires in 213 days", "CA expired 3 days ago". */
  label: string;
}

/** When the first certificate of a bundle expires, said the way a person reads it. */
export function caExpiry(certificates: readonly CertificateInfo[], now: Date): CaExpiry | undefined {
  const soonest = [...certificates].sort((a, b) => a.notAfter.getTime() - b.notAfter.getTime())[0];
  if (!soonest) return undefined;
  const left = soonest.notAfter.getTime() - now.getTime();
  if (left < 0) return { soonest, state: 'expired', label: `CA expired ${humanDuration(-left)} ago` };
  return {
    soonest,
    state: left < CA_EXPIRY_WARNING_MS ? 'expiring' : 'valid',
    label: `CA expires in ${humanDuration(left)}`,
  };
}

/** Whole days (or hours, or minutes when less than that), rounded down: "213 days", "1 day", "5 hours". */
export function humanDuration(ms: number): string {
  const units: [number, string][] = [
    [86_400_000, 'day'],
    [3_600_000, 'hour'],
    [60_000, 'minute'],
  ];
  for (const [size, name] of units) {
    const n = Math.floor(ms / size);
    if (n >= 1) return `${n} ${name}${n === 1 ? '' : 's'}`;
  }
  return 'less than a minute';
}

export type CaBundleEdit =
  | { ok: true; edits: TextEdit[]; certificates: CertificateInfo[] }
  | { ok: false; reason: string };

/**
 * The edits that make `pem` (one or more CA certificates, PEM or DER) the caBundle of the APIService in `text`:
 * the one holding `offset` when the file has several. The value is the base64 of the certificates'
 * PEM blocks (text around them, such as openssl's dump, is dropped). insecureSkipTLSVerify goes,
 * because the API server rejects an APIService that has both.
 */
export function setCaBundle(text: string, pem: X509Input, now: Date, offset?: number): CaBundleEdit {
  let certificates: CertificateInfo[];
  try {
    certificates = parseCertificates(pem);
  } catch (e) {
    if (isX509InputError(e)) return { ok: false, reason: `not a PEM CA certificate: ${e.message}` };
    throw e;
  }
  const expired = certificates.find((c) => c.notAfter.getTime() < now.getTime());
  if (expired)
    return {
      ok: false,
      reason: `the certificate ${expired.subject.text} expired on ${expired.notAfter.toISOString()}: choose a current CA`,
    };
  const spec = apiServiceSpec(text, offset);
  if (!spec.ok) return spec;
  const value = Buffer.from(certificates.map((c) => toPem(c.der, 'CERTIFICATE')).join('')).toString('base64');
  const existing = spec.map.get('caBundle', true);
  const edits: TextEdit[] = [];
  if (isScalar(existing)) edits.push(replaceScalar(existing, value));
  else {
    const add = addMapEntry(text, spec.map, 'caBundle', value, detectEol(text));
    if (!add) return { ok: false, reason: 'the APIService spec is in flow style ({...}): edit it by hand' };
    edits.push(add);
  }
  const skip = removeMapEntry(text, spec.map, 'insecureSkipTLSVerify');
  if (skip) edits.push(skip);
  return { ok: true, edits, certificates };
}

function apiServiceSpec(
  text: string,
  offset?: number,
): { ok: true; map: YAMLMap } | { ok: false; reason: string } {
  const docs = parseAllDocuments(text, { keepSourceTokens: true });
  if (!Array.isArray(docs) || docs.some((d) => d.errors.length > 0))
    return { ok: false, reason: 'the file is not valid YAML: fix the syntax error first' };
  const services = docs.filter((d) => documentKind(d) === 'apiservice');
  const here =
    services.length === 1
      ? services[0]
      : services.find((d) => offset !== undefined && d.range[0] <= offset && offset <= d.range[2]);
  if (!here)
    return {
      ok: false,
      reason:
        services.length === 0
          ? 'this file has no APIService (apiregistration.k8s.io) to put a caBundle in'
          : 'this file has several APIServices: put the cursor inside the one to change',
    };
  const spec = here.get('spec', true);
  if (!isMap(spec)) return { ok: false, reason: 'the APIService has no spec map' };
  return { ok: true, map: spec };
}
