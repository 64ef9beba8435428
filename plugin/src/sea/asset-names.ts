/** The files a single executable carries (SEA assets), by the names the build and the executable share. */
export const CLI_ASSET = 'kubectl-certs.cjs';
export const CLIENT_NODE_ASSET = 'client-node.cjs';
export const CODE_CACHE_ASSET = 'kubectl-certs.v8cache';
/** Set by release/sea.ts at build time: run the warm-up commands and write the code cache to this file. */
export const WRITE_CODE_CACHE = 'KUBECTL_CERTS_WRITE_CODE_CACHE';
/** When set, the executable says on stderr whether V8 accepted its code cache (tests check it). */
export const REPORT_CODE_CACHE = 'KUBECTL_CERTS_REPORT_CODE_CACHE';
