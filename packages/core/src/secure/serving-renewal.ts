import type { CertificateInfo } from '../x509/certificate.ts';
import { issuedByAny } from '../x509/chain.ts';

/**
 * A certificate is due for renewal once two thirds of its life have passed: a third of it is left
 * to notice a failed renewal (a one-year certificate: four months; the approver retries each round).
 */
export function dueAtTwoThirds(c: Pick<CertificateInfo, 'notBefore' | 'notAfter'>, now: Date): boolean {
  const life = c.notAfter.getTime() - c.notBefore.getTime();
  return now.getTime() >= c.notBefore.getTime() + (life * 2) / 3;
}

/** What the approver knows of the APIService leg's certificates, read each round. */
export interface ServingState {
  /** The CA Secret's certificate (tls.crt), and the previous CA while a rotation is under way. */
  ca: CertificateInfo;
  previousCa?: CertificateInfo | undefined;
  /** When the current CA was put into the bundle beside the previous one (the CA Secret's annotation). */
  rotatedAt?: Date | undefined;
  /** The APIService's caBundle, decoded. */
  caBundle: readonly CertificateInfo[];
  /** The serving Secret's certificate; undefined when the Secret or its tls.crt is missing or unreadable. */
  serving?: CertificateInfo | undefined;
  /** The names the serving certificate must hold (the APIService's Service names). */
  servingNames: readonly string[];
  now: Date;
  /**
   * How long a change takes to reach its readers: the aggregator reloads a caBundle in seconds, but
   * a Secret reaches metrics-server's volume in up to two kubelet sync periods and metrics-server
   * reloads its files after that. A step that relies on the previous one waits this long.
   */
  settleMs: number;
}

/**
 * One step of keeping the leg secure, the first that applies:
 * - publish-bundle: the caBundle lacks the current CA (a rotation's first write was cut short, or
 *   someone edited it): bundle = previous + current;
 * - rotate-ca: a new CA (the current one is two thirds through its life, or past it): it becomes
 *   current, the old one previous, and both go into the bundle; nothing is served from it yet;
 * - issue-serving: a new serving certificate from the current CA (missing, wrong names, another
 *   CA, or two thirds of its life gone), once the bundle has held the current CA long enough;
 * - drop-previous-ca: the rotation's end, once metrics-server has had time to serve the new
 *   certificate: bundle = current only, the previous CA forgotten;
 * - none: nothing is due (with the reason it waits, when it waits).
 */
export type RenewalStep = {
  action: 'none' | 'publish-bundle' | 'issue-serving' | 'drop-previous-ca' | 'rotate-ca';
  reason: string;
};

const sameCert = (a: CertificateInfo, b: CertificateInfo) => a.fingerprintSha256 === b.fingerprintSha256;

export async function nextRenewalStep(s: ServingState): Promise<RenewalStep> {
  if (!s.caBundle.some((c) => sameCert(c, s.ca)))
    return { action: 'publish-bundle', reason: "the APIService's caBundle does not hold the current CA" };
  // Before any serving certificate: one issued from a CA near its end lives only as long as the CA.
  if (!s.previousCa && dueAtTwoThirds(s.ca, s.now))
    return {
      action: 'rotate-ca',
      reason: `the CA is two thirds through its life (it expires ${s.ca.notAfter.toISOString()})`,
    };
  const settled = !s.rotatedAt || s.now.getTime() >= s.rotatedAt.getTime() + s.settleMs;
  const serving = await servingProblem(s);
  if (serving && !settled)
    return {
      action: 'none',
      reason: `${serving}; waiting until the new CA has been in the caBundle for ${Math.round(s.settleMs / 1000)}s`,
    };
  if (serving) return { action: 'issue-serving', reason: serving };
  if (s.previousCa) {
    const servedSince = s.serving?.notBefore.getTime() ?? s.now.getTime();
    if (s.now.getTime() >= servedSince + s.settleMs)
      return {
        action: 'drop-previous-ca',
        reason: `the serving certificate from the new CA has had ${Math.round(s.settleMs / 1000)}s to reach metrics-server: the previous CA leaves the caBundle`,
      };
    return { action: 'none', reason: 'waiting for metrics-server to serve the certificate from the new CA' };
  }
  return { action: 'none', reason: 'nothing is due' };
}

/** Why the serving certificate must be issued again, or undefined when it may stay. */
async function servingProblem(s: ServingState): Promise<string | undefined> {
  const c = s.serving;
  if (!c) return 'there is no readable serving certificate';
  const dns = c.sans.dns;
  const missing = s.servingNames.filter((n) => !dns.includes(n));
  if (missing.length) return `the serving certificate lacks the names ${missing.join(', ')}`;
  if (!(await issuedByAny(c, [s.ca]))) return 'the serving certificate was not issued by the current CA';
  if (dueAtTwoThirds(c, s.now))
    return `the serving certificate is two thirds through its life (it expires ${c.notAfter.toISOString()})`;
  return undefined;
}
