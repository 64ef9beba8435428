// Bundles the CLI twice:
//  - dist/ (the npm package): one ES module entry plus lazily loaded chunks: the entry answers the
//    root help, version and completion from the CLI manifest; oclif and the commands are a chunk
//    loaded for anything else, and @kubernetes/client-node one that commands load inside run();
//  - sea/ (the single executable applications): main.cjs, the SEA's main script (one CommonJS file,
//    as Node requires), which evaluates the CommonJS bundles kubectl-certs.cjs (the entry),
//    oclif-cli.cjs (oclif and the commands) and client-node.cjs, each when first needed.
// The CLI manifest (src/cli-manifest.ts) is computed here from the command classes and bundled in
// place of src/cli-manifest-source.ts.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type BuildOptions, type BuildResult, build, type Plugin } from 'esbuild';
import { asciiCommentsPlugin } from './ascii-comments.ts';
import type { CliManifest } from './src/cli-manifest.ts';
import { CLIENT_NODE_ASSET, OCLIF_CLI_ASSET } from './src/sea/asset-names.ts';

// oclif can run TypeScript sources in development through typescript/ts-node/tsx, each required
// inside a try/catch. A bundled CLI never does: stub them so they are neither bundled (typescript
// alone is 10 MB) nor picked up from a node_modules that happens to be near the bundle.
const noDevTranspilers: Plugin = {
  name: 'no-dev-transpilers',
  setup(b) {
    b.onResolve({ filter: /^(typescript|ts-node|tsx)(\/.*)?$/ }, (a) => ({
      path: a.path,
      namespace: 'stub',
    }));
    b.onLoad({ filter: /.*/, namespace: 'stub' }, (a) => ({
      contents: `throw new Error(${JSON.stringify(`${a.path} is not bundled`)});`,
      loader: 'js',
    }));
  },
};

/** A plugin that resolves imports matching `filter` to the module `contents` (made with its resolveDir). */
function replaceModule(name: string, filter: RegExp, contents: string): Plugin {
  return {
    name,
    setup(b) {
      b.onResolve({ filter }, (a) => ({ path: a.path, namespace: name }));
      b.onLoad({ filter: /.*/, namespace: name }, () => ({
        contents,
        loader: 'js',
        resolveDir: fileURLToPath(new URL('.', import.meta.url)),
      }));
    },
  };
}

const pkg = JSON.parse(readFileSync(new URL('package.json', import.meta.url), 'utf8')) as { version: string };
for (const out of ['dist', 'sea']) rmSync(new URL(out, import.meta.url), { recursive: true, force: true });

// Some dependencies are CommonJS and require() Node built-ins at run time: ES module bundles need a require.
const esmRequire = {
  js: "import { createRequire as __kcCreateRequire } from 'node:module'; const require = __kcCreateRequire(import.meta.url);",
};
const shared: BuildOptions = {
  bundle: true,
  platform: 'node',
  plugins: [noDevTranspilers, asciiCommentsPlugin],
  logLevel: 'warning',
  metafile: true,
  define: { KUBECTL_CERTS_VERSION: JSON.stringify(pkg.version) },
};
const megabytes = (r: BuildResult) =>
  (Object.values(r.metafile?.outputs ?? {}).reduce((n, o) => n + o.bytes, 0) / 1e6).toFixed(1);

const manifest = await computeManifest();
const manifestInPlace = replaceModule(
  'cli-manifest',
  /\/cli-manifest-source\.ts$/,
  `export async function loadCliManifest() { return ${JSON.stringify(manifest)}; }`,
);

const result = await build({
  ...shared,
  plugins: [noDevTranspilers, manifestInPlace, asciiCommentsPlugin],
  entryPoints: { 'kubectl-certs': 'src/main.ts' },
  outdir: 'dist',
  splitting: true,
  format: 'esm',
  target: 'node22',
  sourcemap: 'linked',
  banner: esmRequire,
});
console.log(
  `plugin: dist/ ${megabytes(result)} MB in ${Object.keys(result.metafile?.outputs ?? {}).filter((f) => f.endsWith('.js')).length} files`,
);

// @kubernetes/client-node goes into its own file (a SEA asset) that holds only what the plugin
// imports from it. A module of the main script that imports client-node gets a stand-in that
// evaluates that file on first use (src/sea/client-node-asset.ts). The stand-in names every export,
// so importing a name missing from this list fails the build instead of the executable.
const CLIENT_NODE_EXPORTS = [
  'ApiextensionsV1Api',
  'ApisApi',
  'ApiregistrationV1Api',
  'AppsV1Api',
  'AuthorizationV1Api',
  'CertificatesV1Api',
  'CoordinationV1Api',
  'CoreV1Api',
  'CustomObjectsApi',
  'KubeConfig',
  'KubernetesObjectApi',
  'PatchStrategy',
  'V1MicroTime',
  'VersionApi',
  'Watch',
  'dumpYaml',
];
const assets = JSON.stringify(fileURLToPath(new URL('src/sea/assets.ts', import.meta.url)));
const youngGeneration = JSON.stringify(fileURLToPath(new URL('src/young-generation.ts', import.meta.url)));
// client-node is compiled after the young generation is kept small, always: that setting changes
// V8's flag hash, which a code cache must match (the one of client-node is made the same way).
const clientNodeAsAsset = replaceModule(
  'client-node',
  /^@kubernetes\/client-node$/,
  `import { loadAsset } from ${assets};\nimport { keepYoungGenerationSmall } from ${youngGeneration};\nkeepYoungGenerationSmall();\nexport const { ${CLIENT_NODE_EXPORTS.join(', ')} } = loadAsset(${JSON.stringify(CLIENT_NODE_ASSET)});`,
);
// The entry's import() of oclif-main.ts becomes a stand-in that evaluates oclif-cli.cjs.
const oclifAsAsset = replaceModule(
  'oclif-cli',
  /\/oclif-main\.ts$/,
  `import { loadAsset } from ${assets};\nexport const runOclif = (...args) => loadAsset(${JSON.stringify(OCLIF_CLI_ASSET)}).runOclif(...args);`,
);

const sea = await build({
  ...shared,
  plugins: [noDevTranspilers, manifestInPlace, oclifAsAsset, asciiCommentsPlugin],
  entryPoints: ['src/main.ts'],
  outfile: 'sea/kubectl-certs.cjs',
  format: 'cjs',
  target: 'node24',
});
const seaOclif = await build({
  ...shared,
  plugins: [noDevTranspilers, clientNodeAsAsset, asciiCommentsPlugin],
  entryPoints: ['src/oclif-main.ts'],
  outfile: `sea/${OCLIF_CLI_ASSET}`,
  format: 'cjs',
  target: 'node24',
});
const seaMain = await build({
  ...shared,
  entryPoints: ['src/sea/main.ts'],
  outfile: 'sea/main.cjs',
  format: 'cjs',
  target: 'node24',
});
const asset = await build({
  ...shared,
  stdin: {
    contents: `export { ${CLIENT_NODE_EXPORTS.join(', ')} } from '@kubernetes/client-node';`,
    resolveDir: fileURLToPath(new URL('.', import.meta.url)),
  },
  outfile: `sea/${CLIENT_NODE_ASSET}`,
  format: 'cjs',
  target: 'node24',
});
console.log(
  `plugin: sea/main.cjs ${megabytes(seaMain)} MB, sea/kubectl-certs.cjs ${megabytes(sea)} MB, sea/${OCLIF_CLI_ASSET} ${megabytes(seaOclif)} MB, sea/${CLIENT_NODE_ASSET} ${megabytes(asset)} MB`,
);

/** The CLI manifest of the command classes: their sources bundled to a temporary module and run. */
async function computeManifest(): Promise<CliManifest> {
  const dir = mkdtempSync(join(tmpdir(), 'kc-manifest-'));
  try {
    const outfile = join(dir, 'manifest.mjs');
    await build({
      ...shared,
      metafile: false,
      entryPoints: ['src/cli-manifest-source.ts'],
      outfile,
      format: 'esm',
      target: 'node22',
      banner: esmRequire,
    });
    const { loadCliManifest } = (await import(pathToFileURL(outfile).href)) as {
      loadCliManifest: () => Promise<CliManifest>;
    };
    return await loadCliManifest();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
