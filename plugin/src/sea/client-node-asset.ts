import { CLIENT_NODE_ASSET } from './asset-names.ts';
import { evaluateCommonJs, readAsset } from './assets.ts';

/**
 * Evaluates @kubernetes/client-node from its own CommonJS bundle, the first time a command needs it.
 * The CLI bundle leaves it out because V8 reads the whole bundle at every start: kept apart, its
 * 6 MB are neither read nor parsed by `--help` or `version --client`.
 */
export function loadClientNode(): unknown {
  const source = readAsset(CLIENT_NODE_ASSET);
  if (!source) throw new Error(`${CLIENT_NODE_ASSET} is missing beside the CLI bundle`);
  return evaluateCommonJs(CLIENT_NODE_ASSET, source.toString('utf8')).exports;
}
