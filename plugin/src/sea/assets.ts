import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getAsset, isSea } from 'node:sea';
import { Script } from 'node:vm';

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

/**
 * Evaluates a CommonJS bundle, with V8's code cache when one is given (V8 checks that it fits the
 * source and itself, and compiles from scratch when not). Returns its exports and the compiled
 * script, whose code cache can be taken after it ran.
 */
export function evaluateCommonJs(
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
