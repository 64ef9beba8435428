import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getAsset, isSea } from 'node:sea';
import { Script } from 'node:vm';

/** The SEA asset (and, outside a SEA, the file beside the bundle) holding @kubernetes/client-node. */
export const CLIENT_NODE_ASSET = 'client-node.cjs';

/**
 * Evaluates @kubernetes/client-node from its own CommonJS bundle, the first time a command needs it.
 * The single executable's main script leaves it out because V8 reads the whole main script at every
 * start: kept apart, its 6 MB are neither read nor parsed by `--help` or `version --client`.
 */
export function loadClientNode(): unknown {
  const source = isSea()
    ? getAsset(CLIENT_NODE_ASSET, 'utf8')
    : readFileSync(join(__dirname, CLIENT_NODE_ASSET), 'utf8');
  const wrapper = `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
  const module = { exports: {} as unknown };
  const run = new Script(wrapper, { filename: CLIENT_NODE_ASSET }).runInThisContext() as (
    ...args: unknown[]
  ) => void;
  run(module.exports, require, module, CLIENT_NODE_ASSET, __dirname);
  return module.exports;
}
