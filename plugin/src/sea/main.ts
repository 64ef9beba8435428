// The single executable application's (SEA's) main script. Node compiles a SEA's main script at every
// start, and its build-time code cache covers only the functions V8 compiles eagerly; so the CLI
// bundles are assets, each compiled with a code cache taken after the CLI ran (--help, version,
// completion, a command's help) when the executable was built. Those caches exist only in the
// executable for the build machine's platform: V8 accepts a code cache only from its own version on
// its own platform.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CLI_ASSET, codeCacheAsset, REPORT_CODE_CACHE, WRITE_CODE_CACHE } from './asset-names.ts';
import { loadAsset, loadedBundles } from './assets.ts';

const WARM_UP = [
  ['--help'],
  ['version', '--client'],
  ['__complete', ''],
  ['approve-serving', '--help'],
  ['lint', '--help'],
];

type Main = (argv: string[], root: string) => Promise<void>;

async function start(): Promise<void> {
  const { main, exitWhenFlushed } = loadAsset(CLI_ASSET) as {
    main: Main;
    exitWhenFlushed: () => Promise<never>;
  };
  // `root` is only a folder name for oclif; nothing is read from it.
  const root = dirname(process.execPath);
  const cacheOut = process.env[WRITE_CODE_CACHE];
  if (!cacheOut) {
    await main(process.argv.slice(2), root);
    reportCodeCache();
    return exitWhenFlushed();
  }
  for (const argv of WARM_UP) await main(argv, root);
  mkdirSync(cacheOut, { recursive: true });
  for (const [name, { script }] of loadedBundles)
    writeFileSync(join(cacheOut, codeCacheAsset(name)), script.createCachedData());
}

/** A rejected cache costs tens of milliseconds of every start and fails nothing else: tests ask for it. */
function reportCodeCache(): void {
  if (!process.env[REPORT_CODE_CACHE]) return;
  for (const [name, { script, cached }] of loadedBundles)
    process.stderr.write(
      `code cache of ${name}: ${!cached ? 'none' : script.cachedDataRejected ? 'rejected' : 'accepted'}\n`,
    );
}

void start();
