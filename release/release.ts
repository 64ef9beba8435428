// scripts/release [--target ID]... [--base-url URL]: builds the release into dist/ at the root:
// one archive per target (the single executable, kubectl_complete-certs, LICENSE), the npm package,
// SHA256SUMS and the krew manifest certs.yaml. Errors are one line; DEBUG=1 adds the stack.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sha256Sums } from './checksums.ts';
import { writeImageArchive } from './image-archive.ts';
import { KREW_PLUGIN_NAME, krewManifest, krewManifestYaml, type ReleasedArchive } from './krew-manifest.ts';
import { krewProblems } from './krew-rules.ts';
import { ReleaseError } from './release-error.ts';
import { archiveTarget } from './target-archive.ts';
import { TARGETS, targetById } from './targets.ts';

const ROOT = new URL('..', import.meta.url).pathname;
const DIST = join(ROOT, 'dist');
const PLUGIN = join(ROOT, 'plugin');

async function release(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { target: { type: 'string', multiple: true }, 'base-url': { type: 'string' } },
  });
  const pkg = JSON.parse(readFileSync(join(PLUGIN, 'package.json'), 'utf8')) as {
    version: string;
    homepage: string;
  };
  const targets = values.target?.map(targetById) ?? TARGETS;
  const baseUrl = values['base-url'] ?? `${pkg.homepage}/releases/download/v${pkg.version}`;
  rmSync(DIST, { recursive: true, force: true });
  mkdirSync(DIST);

  const archives: ReleasedArchive[] = [];
  for (const t of targets) {
    const t0 = Date.now();
    archives.push(await archiveTarget(t, pkg.version, DIST));
    console.error(`release: ${t.id} (Node ${t.nodeVersion}) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  const npmTarball = npmPack();
  const image = await writeImageArchive(targets, pkg.version, pkg.homepage, DIST);
  writeFileSync(
    join(DIST, 'SHA256SUMS'),
    await sha256Sums([
      ...archives.map((a) => join(DIST, a.fileName)),
      npmTarball,
      ...(image ? [image.file] : []),
    ]),
  );

  const manifest = krewManifest({ version: pkg.version, homepage: pkg.homepage, baseUrl, archives });
  const manifestFile = `${KREW_PLUGIN_NAME}.yaml`;
  const problems = krewProblems(manifest, manifestFile);
  if (problems.length) throw new ReleaseError(`the krew manifest is invalid: ${problems.join('; ')}`);
  writeFileSync(join(DIST, manifestFile), krewManifestYaml(manifest));

  for (const f of readdirSync(DIST).sort())
    console.log(`${(statSync(join(DIST, f)).size / 1e6).toFixed(1).padStart(7)} MB  dist/${f}`);
}

/** `npm pack` of plugin/ (its prepack copies the root LICENSE in) into dist/. */
function npmPack(): string {
  const r = spawnSync('npm', ['pack', '--pack-destination', DIST, '--silent'], {
    cwd: PLUGIN,
    encoding: 'utf8',
  });
  const name = r.stdout.trim().split('\n').pop();
  if (r.status !== 0 || !name)
    throw new ReleaseError(`npm pack of plugin/ failed: ${r.stderr.trim().split('\n').pop()}`);
  return join(DIST, name);
}

try {
  await release(process.argv.slice(2));
} catch (e) {
  const err = e instanceof Error ? e : new Error(String(e));
  console.error(`error: ${err.message.split('\n')[0]}`);
  if (process.env.DEBUG) console.error(err.stack);
  process.exit(1);
}
