import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { inject } from 'postject';
import { BUNDLES, codeCacheAsset, WRITE_CODE_CACHE } from '../plugin/src/sea/asset-names.ts';
import { cacheDir } from './cache.ts';
import { nodeBase } from './node-base.ts';
import { ReleaseError } from './release-error.ts';
import { hostTarget, type Target } from './targets.ts';

/** The fuse Node checks to know it carries a SEA blob (Node's docs, "Single executable applications"). */
const SENTINEL_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
const POSTJECT_VERSION = '1.0.0-alpha.6';

/** What plugin/build.ts writes for the executables: the SEA main script and the bundles it evaluates. */
const SEA_DIR = new URL('../plugin/sea/', import.meta.url).pathname;
const SEA_MAIN = join(SEA_DIR, 'main.cjs');

/**
 * A single executable application of the CLI for `target`: the target's Node with the SEA blob
 * injected. Cached by a hash of every input, so an unchanged CLI is not rebuilt. `codeCache` adds
 * V8's code caches of the CLI bundles, which only the build machine's own platform can use.
 */
export async function buildSea(
  target: Target,
  { codeCache = target === hostTarget() } = {},
): Promise<string> {
  const inputs = [SEA_MAIN, ...BUNDLES.map((b) => join(SEA_DIR, b))];
  for (const f of inputs)
    if (!existsSync(f)) throw new ReleaseError(`${f} is missing: run scripts/run build first`);
  if (codeCache && target !== hostTarget())
    throw new ReleaseError(`a V8 code cache made here does not fit ${target.id}`);
  const hash = createHash('sha256').update(JSON.stringify({ target, codeCache, POSTJECT_VERSION }));
  for (const f of inputs) hash.update(readFileSync(f));
  const variant = `${target.id}-${codeCache ? 'codecache' : 'plain'}`;
  const key = hash.digest('hex').slice(0, 16);
  const dir = cacheDir('sea', `${variant}-${key}`);
  const exe = join(dir, target.exe);
  if (existsSync(exe)) return exe;

  // A folder of this process's own: test files that build the same executable in parallel (the
  // image, the arm64 run, the krew install) must not delete each other's half-made one.
  const tmp = cacheDir('sea', `.building-${variant}-${key}-${process.pid}-${randomBytes(4).toString('hex')}`);
  mkdirSync(tmp, { recursive: true });
  const generator = await blobWriter(target);
  const assets = Object.fromEntries(BUNDLES.map((b) => [b, join(SEA_DIR, b)]));
  if (codeCache) Object.assign(assets, writeCodeCaches(generator, join(tmp, 'code-cache')));
  const blob = writeBlob(generator, assets, tmp);
  const out = join(tmp, target.exe);
  copyFileSync(await nodeBase(target.nodePackage, target.nodeVersion), out);
  chmodSync(out, 0o755);
  await quietly(() =>
    inject(out, 'NODE_SEA_BLOB', readFileSync(blob), {
      sentinelFuse: SENTINEL_FUSE,
      ...(target.os === 'darwin' ? { machoSegmentName: 'NODE_SEA' } : {}),
    }),
  );
  // Node starts the blob only when the fuse reads ":1"; postject flips it while injecting. Checked
  // here because executables of other platforms cannot be started on this machine.
  if (!readFileSync(out).includes(`${SENTINEL_FUSE}:1`))
    throw new ReleaseError(`postject did not flip the SEA fuse in the ${target.id} executable`);
  for (const f of readdirSync(tmp)) if (f !== target.exe) rmSync(join(tmp, f), { recursive: true });
  if (existsSync(exe)) {
    // Another process finished the same build first: its result is this one.
    rmSync(tmp, { recursive: true, force: true });
    return exe;
  }
  removeStale(variant, key);
  try {
    renameSync(tmp, dir);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(exe)) throw e;
  }
  return exe;
}

/**
 * This machine's Node of the target's Node version: it writes the SEA blob, whose layout belongs to
 * the Node version that reads it, and the code cache.
 */
async function blobWriter(target: Target): Promise<string> {
  const host = hostTarget();
  if (!host)
    throw new ReleaseError(
      `single executables are built on linux, macOS or Windows (x64 or arm64), not ${process.platform}-${process.arch}`,
    );
  return nodeBase(host.nodePackage, target.nodeVersion);
}

/**
 * Runs the SEA main script under `node` to the end of its warm-up commands and keeps V8's code cache
 * of each bundle it evaluated: asset name to file.
 */
function writeCodeCaches(node: string, dir: string): Record<string, string> {
  const r = spawnSync(node, [SEA_MAIN], {
    env: { ...process.env, [WRITE_CODE_CACHE]: dir },
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
  });
  const caches = BUNDLES.map(codeCacheAsset);
  if (r.status !== 0 || !caches.every((c) => existsSync(join(dir, c))))
    throw new ReleaseError(`the code cache run of the CLI failed: ${r.stderr.trim().split('\n')[0]}`);
  return Object.fromEntries(caches.map((c) => [c, join(dir, c)]));
}

function writeBlob(node: string, assets: Record<string, string>, dir: string): string {
  const blob = join(dir, 'sea-prep.blob');
  const config = join(dir, 'sea-config.json');
  // Node's own useCodeCache would cache only the small main script; the CLI's cache is an asset.
  writeFileSync(
    config,
    JSON.stringify({
      main: SEA_MAIN,
      output: blob,
      disableExperimentalSEAWarning: true,
      useCodeCache: false,
      useSnapshot: false,
      assets,
    }),
  );
  const r = spawnSync(node, ['--experimental-sea-config', config], { encoding: 'utf8' });
  if (r.status !== 0 || !existsSync(blob))
    throw new ReleaseError(
      `node could not write the SEA blob: ${(r.stderr || r.error?.message || '').trim()}`,
    );
  return blob;
}

/** Keeps one built executable per target and variant in the cache. */
function removeStale(variant: string, key: string): void {
  const root = cacheDir('sea');
  for (const d of readdirSync(root))
    if (d.startsWith(`${variant}-`) && d !== `${variant}-${key}`)
      rmSync(join(root, d), { recursive: true, force: true });
}

/**
 * Warnings of postject's writers (LIEF) that say nothing: the ELF writer's "Can't find string offset
 * for section name '.note…'" for each note section of Node's binary (kept as they are), and the PE
 * writer's "The signature seems corrupted!" on Node's Windows binary, whose Authenticode signature
 * the injection is known to invalidate (docs/install.md).
 */
const EXPECTED_WARNINGS = [
  /^warning: Can't find string offset for section name '\.note/,
  /^warning: The signature seems corrupted!$/,
];

async function quietly<T>(work: () => Promise<T>): Promise<T> {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (!EXPECTED_WARNINGS.some((w) => w.test(String(args[0]).trim()))) warn(...args);
  };
  try {
    return await work();
  } finally {
    console.warn = warn;
  }
}
