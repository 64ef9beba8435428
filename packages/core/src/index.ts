export * from './x509/certificate.ts';
export * from './x509/chain.ts';
export * from './x509/csr.ts';
export * from './x509/distinguished-name.ts';
export * from './x509/errors.ts';
export { type PemBlock, splitPem, toPem, type X509Input } from './x509/pem.ts';
export * from './x509/public-key.ts';
export * from './x509/subject-alt-names.ts';
