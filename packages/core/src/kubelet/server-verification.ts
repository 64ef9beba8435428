import type { CertificateInfo } from '../x509/certificate.ts';
import { type ChainResult, leafError, verifyAuthority } from '../x509/chain.ts';
import { hostnameError } from './hostname.ts';

/** Go's verdicts on one served chain, for any name a client might dial. */
export interface ServerVerification {
  /** The leaf's own problem (unhandled critical extension, validity period), Go's first check. */
  leaf: string | undefined;
  /** The chain to a trusted root and its key usage, Go's last check. */
  authority: ChainResult;
  /** Go's Certificate.Verify with this DNSName: undefined when a Go client accepts the server, else its error. */
  errorFor(name: string): string | undefined;
}

/**
 * Verifies a served chain (leaf first) as crypto/tls does for a Go client such as metrics-server:
 * x509.Certificate.Verify with Roots, the rest of the chain as Intermediates, CurrentTime and the
 * dialled host as DNSName, in Go's order: the leaf, then the name, then the chain.
 * Without roots (`unavailable`: why), the chain step fails with that reason.
 * The name-independent parts are computed once, so every address of a node costs a name check.
 */
export async function verifyServer(
  served: readonly CertificateInfo[],
  roots: readonly CertificateInfo[] | { unavailable: string },
  now: Date,
): Promise<ServerVerification> {
  const leafCert = served[0] as CertificateInfo;
  const leaf = leafError(leafCert, now)?.message;
  const authority: ChainResult =
    'unavailable' in roots
      ? { ok: false, message: roots.unavailable, path: [] }
      : await verifyAuthority(served, roots, now);
  return {
    leaf,
    authority,
    errorFor: (name) =>
      leaf ??
      (name ? hostnameError(leafCert, name) : undefined) ??
      (authority.ok ? undefined : authority.message),
  };
}
