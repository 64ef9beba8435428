// The single executable application's (SEA's) main script. Node compiles a SEA's main script at every
// start, and its build-time code cache covers only the functions V8 compiles eagerly; so the CLI
// bundle is an asset, compiled here with a code cache taken after the CLI ran (--help, version,
// completion) when the executable was built. That cache exists only in the executable for the
// build machine's platform: V8 accepts a code cache only from its own version on its own platform.
import { writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { CLI_ASSET, CODE_CACHE_ASSET, REPORT_CODE_CACHE, WRITE_CODE_CACHE } from './asset-names.ts';
import { evaluateCommonJs, readAsset } from './assets.ts';

const WARM_UP = [['--help'], ['version', '--client'], ['approve-serving', '--help'], ['__complete', '']];

type Main = (argv: string[], root: string) => Promise<void>;

async function start(): Promise<void> {
  const source = readAsset(CLI_ASSET);
  if (!source) throw new Error(`${CLI_ASSET} is missing`);
  const { exports, script } = evaluateCommonJs(
    CLI_ASSET,
    source.toString('utf8'),
    readAsset(CODE_CACHE_ASSET),
  );
  // A rejected cache costs about 80 ms of every start and fails nothing else: tests ask for it here.
  if (process.env[REPORT_CODE_CACHE])
    process.stderr.write(
      `code cache: ${!readAsset(CODE_CACHE_ASSET) ? 'none' : script.cachedDataRejected ? 'rejected' : 'accepted'}\n`,
    );
  const { main, exitWhenFlushed } = exports as { main: Main; exitWhenFlushed: () => Promise<never> };
  // `root` is only a folder name for oclif; nothing is read from it.
  const root = dirname(process.execPath);
  const cacheOut = process.env[WRITE_CODE_CACHE];
  if (!cacheOut) {
    await main(process.argv.slice(2), root);
    return exitWhenFlushed();
  }
  for (const argv of WARM_UP) await main(argv, root);
  writeFileSync(cacheOut, script.createCachedData());
}

void start();
