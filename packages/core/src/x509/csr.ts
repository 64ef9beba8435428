import { type DistinguishedName, toDistinguishedName } from './distinguished-name.ts';
import { X509InputError } from './errors.ts';
import { Pkcs10CertificateRequest } from './peculiar.ts';
import { derBlocks, type X509Input } from './pem.ts';
import { describePublicKey, type PublicKeyInfo } from './public-key.ts';
import {
  emptySans,
  parseSubjectAltNames,
  SUBJECT_ALT_NAME_OID,
  type SubjectAltNames,
} from './subject-alt-names.ts';

export interface CsrInfo {
  subject: DistinguishedName;
  sans: SubjectAltNames;
  publicKey: PublicKeyInfo;
  /** OIDs of every requested extension (a CSR may ask for more than SANs). */
  extensionOids: string[];
  der: Uint8Array;
}

// Go's x509 and older openssl write "NEW CERTIFICATE REQUEST"; both are PKCS#10.
const CSR_TYPES = ['CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST'] as const;

/** Parses exactly one PKCS#10 request (PEM or DER). */
export function parseCsr(input: X509Input): CsrInfo {
  const blocks = derBlocks(input, 'a CERTIFICATE REQUEST', CSR_TYPES);
  if (blocks.length !== 1) {
    throw new X509InputError('malformed', `expected one CERTIFICATE REQUEST, found ${blocks.length}`);
  }
  const der = blocks[0] as Uint8Array;
  const csr = loadCsr(der);
  const san = csr.getExtension(SUBJECT_ALT_NAME_OID);
  return {
    subject: toDistinguishedName(csr.subjectName),
    sans: san ? parseSubjectAltNames(san.value) : emptySans(),
    publicKey: describePublicKey(csr.publicKey.rawData),
    extensionOids: csr.extensions.map((e) => e.type),
    der,
  };
}

function loadCsr(der: Uint8Array): Pkcs10CertificateRequest {
  try {
    return new Pkcs10CertificateRequest(der);
  } catch (e) {
    throw new X509InputError(
      'malformed',
      `not a valid PKCS#10 certificate request (${(e as Error).message})`,
    );
  }
}

/** Whether the request is signed by the key it contains (proof the requester holds that key). */
export async function verifyCsrSignature(csr: CsrInfo): Promise<boolean> {
  try {
    return await loadCsr(csr.der).verify();
  } catch {
    return false;
  }
}

/**
 * Verifies many signatures with at most `concurrency` in flight: WebCrypto is asynchronous, and
 * overlapping the verifications is several times faster than awaiting each in turn.
 */
export async function verifyCsrSignatures(csrs: readonly CsrInfo[], concurrency = 64): Promise<boolean[]> {
  const results: boolean[] = new Array(csrs.length).fill(false);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < csrs.length; i = next++)
      results[i] = await verifyCsrSignature(csrs[i] as CsrInfo);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, csrs.length) }, worker));
  return results;
}
