import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
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
import { dirname, join } from 'node:path';
import { inject } from 'postject';
import { CLIENT_NODE_ASSET } from '../plugin/src/sea/client-node-asset.ts';
import { cacheDir } from './cache.ts';
import { nodeBase } from './node-base.ts';
import { ReleaseError } from './release-error.ts';
import { hostTarget, type Target } from './targets.ts';

/** The fuse Node checks to know it carries a SEA blob (Node's docs, "Single executable applications"). */
const SENTINEL_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
const POSTJECT_VERSION = '1.0.0-alpha.6';

/** The SEA's main script and its one asset (plugin/build.ts writes both). */
export const SEA_BUNDLE = new URL('../plugin/sea/kubectl-certs.cjs', import.meta.url).pathname;
const SEA_ASSETS = { [CLIENT_NODE_ASSET]: join(dirname(SEA_BUNDLE), CLIENT_NODE_ASSET) };

/**
 * A single executable application of the CLI for `target`: the target's Node with the bundle
 * injected. Cached by a hash of every input, so an unchanged bundle is not rebuilt.
 */
export async function buildSea(
  target: Target,
  // V8's code cache is made by the Node that writes the blob and only fits that same platform.
  { useCodeCache = target === hostTarget(), bundle = SEA_BUNDLE } = {},
): Promise<string> {
  for (const f of [bundle, ...Object.values(SEA_ASSETS)])
    if (!existsSync(f)) throw new ReleaseError(`${f} is missing: run scripts/run build first`);
  if (useCodeCache && target !== hostTarget())
    throw new ReleaseError(`a V8 code cache made here does not fit ${target.id}`);
  const hash = createHash('sha256').update(JSON.stringify({ target, useCodeCache, POSTJECT_VERSION }));
  for (const f of [bundle, ...Object.values(SEA_ASSETS)]) hash.update(readFileSync(f));
  const key = hash.digest('hex').slice(0, 16);
  const variant = `${target.id}-${useCodeCache ? 'codecache' : 'plain'}`;
  const dir = cacheDir('sea', `${variant}-${key}`);
  const exe = join(dir, target.exe);
  if (existsSync(exe)) return exe;

  const tmp = cacheDir('sea', `.building-${variant}-${key}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const blob = await writeBlob(target, bundle, tmp, useCodeCache);
  const out = join(tmp, target.exe);
  copyFileSync(await nodeBase(target.nodePackage, target.nodeVersion), out);
  chmodSync(out, 0o755);
  await quietly(() =>
    inject(out, 'NODE_SEA_BLOB', readFileSync(blob), {
      sentinelFuse: SENTINEL_FUSE,
      ...(target.os === 'darwin' ? { machoSegmentName: 'NODE_SEA' } : {}),
    }),
  );
  rmSync(blob);
  // Node starts the blob only when the fuse reads ":1"; postject flips it while injecting. Checked
  // here because executables of other platforms cannot be started on this machine.
  if (!readFileSync(out).includes(`${SENTINEL_FUSE}:1`))
    throw new ReleaseError(`postject did not flip the SEA fuse in the ${target.id} executable`);
  removeStale(variant);
  renameSync(tmp, dir);
  return exe;
}

/**
 * The SEA blob (the bundle plus Node's SEA header), written by this machine's Node of the target's
 * version: the blob's layout belongs to the Node version that reads it.
 */
async function writeBlob(
  target: Target,
  bundle: string,
  dir: string,
  useCodeCache: boolean,
): Promise<string> {
  const host = hostTarget();
  if (!host)
    throw new ReleaseError(
      `single executables are built on ${'linux, macOS or Windows on x64/arm64'}; this is ${process.platform}-${process.arch}`,
    );
  const node = await nodeBase(host.nodePackage, target.nodeVersion);
  const blob = join(dir, 'sea-prep.blob');
  const config = join(dir, 'sea-config.json');
  writeFileSync(
    config,
    JSON.stringify({
      main: bundle,
      output: blob,
      disableExperimentalSEAWarning: true,
      useCodeCache,
      useSnapshot: false,
      assets: SEA_ASSETS,
    }),
  );
  const r = spawnSync(node, ['--experimental-sea-config', config], { encoding: 'utf8' });
  if (r.status !== 0 || !existsSync(blob))
    throw new ReleaseError(
      `node ${target.nodeVersion} could not write the SEA blob: ${(r.stderr || r.error?.message || '').trim()}`,
    );
  return blob;
}

/** Keeps one built executable per target and variant in the cache. */
function removeStale(variant: string): void {
  const root = cacheDir('sea');
  for (const d of readdirSync(root))
    if (d.startsWith(`${variant}-`)) rmSync(join(root, d), { recursive: true, force: true });
}

/**
 * postject's ELF writer (LIEF) warns "Can't find string offset for section name '.note…'" for each
 * note section of Node's binary; the notes are kept as they are, so the warnings say nothing.
 */
async function quietly<T>(work: () => Promise<T>): Promise<T> {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (!/^warning: Can't find string offset for section name '\.note/.test(String(args[0]))) warn(...args);
  };
  try {
    return await work();
  } finally {
    console.warn = warn;
  }
}
