/** Why some input could not be read as X.509 material. Callers show `message`; `code` is for branching. */
export type X509InputErrorCode =
  | 'empty' // nothing but whitespace
  | 'not-pem' // no PEM block and not DER
  | 'wrong-block-type' // PEM, but e.g. a PRIVATE KEY where a CERTIFICATE was expected
  | 'truncated' // a BEGIN line without its END line, or base64 cut short
  | 'malformed'; // the block decodes but is not valid ASN.1 of the expected structure

export class X509InputError extends Error {
  readonly code: X509InputErrorCode;
  constructor(code: X509InputErrorCode, message: string) {
    super(message);
    this.name = 'X509InputError';
    this.code = code;
  }
}

export function isX509InputError(e: unknown): e is X509InputError {
  return e instanceof X509InputError;
}
