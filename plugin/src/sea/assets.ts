import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getAsset, isSea } from 'node:sea';
import { Script } from 'node:vm';
import { codeCacheAsset } from './asset-names.ts';

/**
 * A file the single executable carries (a SEA asset); outside a SEA, the file of that name beside
 * this bundle (plugin/sea/), so the same code runs under plain Node in tests and at build time.
 */
export function readAsset(name: string): Buffer | undefined {
  if (isSea()) {
    try {
      return Buffer.from(getAsset(name));
    } catch {
      return undefined;
    }
  }
  const file = join(__dirname, name);
  return existsSync(file) ? readFileSync(file) : undefined;
}

export interface LoadedBundle {
  exports: unknown;
  script: Script;
  /** Whether a code cache was offered to V8 (script.cachedDataRejected says if it was taken). */
  cached: boolean;
}

// One registry for the process: the SEA main script and the CLI bundle each carry a copy of this
// module, and the bundle loads oclif-cli.cjs that main must find to write its code cache.
const REGISTRY = Symbol.for('kubectl-certs.loaded-bundles');
const shared = globalThis as { [REGISTRY]?: Map<string, LoadedBundle> };
if (!shared[REGISTRY]) shared[REGISTRY] = new Map();
const loaded = shared[REGISTRY];

/** A CommonJS bundle asset's exports, evaluated on first use with its code cache when it has one. */
export function loadAsset(name: string): unknown {
  let bundle = loaded.get(name);
  if (!bundle) {
    const source = readAsset(name);
    if (!source) throw new Error(`${name} is missing`);
    const cache = readAsset(codeCacheAsset(name));
    bundle = { ...evaluateCommonJs(name, source.toString('utf8'), cache), cached: cache !== undefined };
    loaded.set(name, bundle);
  }
  return bundle.exports;
}

/** The bundles evaluated so far, by asset name (for the code cache's build and report). */
export const loadedBundles: ReadonlyMap<string, LoadedBundle> = loaded;

/**
 * Evaluates a CommonJS bundle, with V8's code cache when one is given (V8 checks that it fits the
 * source and itself, and compiles from scratch when not). Returns its exports and the compiled
 * script, whose code cache can be taken after it ran.
 */
function evaluateCommonJs(
  name: string,
  source: string,
  cachedData?: Buffer,
): { exports: unknown; script: Script } {
  const wrapper = `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
  const script = new Script(wrapper, { filename: name, ...(cachedData ? { cachedData } : {}) });
  const module = { exports: {} as unknown };
  const run = script.runInThisContext() as (...args: unknown[]) => void;
  run(module.exports, require, module, name, __dirname);
  return { exports: module.exports, script };
}
