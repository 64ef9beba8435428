/** The files a single executable carries (SEA assets), by the names the build and the executable share. */
/** The CLI's entry: quick answers, and the loader of the rest. */
export const CLI_ASSET = 'kubectl-certs.cjs';
/** oclif and every command, evaluated only for a command line that is not a quick answer. */
export const OCLIF_CLI_ASSET = 'oclif-cli.cjs';
export const CLIENT_NODE_ASSET = 'client-node.cjs';
/** Every bundle, in the order the warm-up at build time loads them; each gets a V8 code cache there. */
export const BUNDLES = [CLI_ASSET, OCLIF_CLI_ASSET, CLIENT_NODE_ASSET];
/** The asset holding V8's code cache of a bundle. */
export const codeCacheAsset = (bundle: string) => bundle.replace(/\.cjs$/, '.v8cache');
/** Set by release/sea.ts at build time: run the warm-up commands and write the code caches into this folder. */
export const WRITE_CODE_CACHE = 'KUBECTL_CERTS_WRITE_CODE_CACHE';
/** When set, the executable says on stderr whether V8 accepted each code cache (tests check it). */
export const REPORT_CODE_CACHE = 'KUBECTL_CERTS_REPORT_CODE_CACHE';
