// The single executable application's (SEA's) main script. Node compiles a SEA's main script at every
// start, and its build-time code cache covers only the functions V8 compiles eagerly; so the CLI
// bundles are assets, each compiled with a code cache taken after the CLI ran (--help, version,
// completion, a command's help, a command that loads client-node) when the executable was built.
// Those caches exist only in the executable for the build machine's platform: V8 accepts a code
// cache only from its own version on its own platform, with the same flags.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
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
  mkdirSync(cacheOut, { recursive: true });
  for (const argv of WARM_UP) await main(argv, root);
  writeCodeCaches(cacheOut);
  // Last, as the loader of client-node changes a V8 flag first (see build.ts): a command that
  // loads it, against a server on a closed local port, which fails at once.
  const kubeconfig = join(cacheOut, 'warm-up-kubeconfig');
  writeFileSync(
    kubeconfig,
    'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]\ncontexts: [{name: c, context: {cluster: c, user: u}}]\nusers: [{name: u, user: {token: t}}]\ncurrent-context: c\n',
  );
  await main(['version', '--kubeconfig', kubeconfig, '--request-timeout', '5s'], root);
  process.exitCode = 0;
  writeCodeCaches(cacheOut);
}

/** Writes the code cache of each bundle evaluated so far that has none written yet. */
function writeCodeCaches(dir: string): void {
  for (const [name, { script }] of loadedBundles) {
    const file = join(dir, codeCacheAsset(name));
    if (!existsSync(file)) writeFileSync(file, script.createCachedData());
  }
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
