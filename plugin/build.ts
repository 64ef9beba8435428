// Bundles the CLI twice:
//  - dist/ (the npm package): one ES module entry plus lazily loaded chunks, so `--help` never
//    loads @kubernetes/client-node (commands import it inside run());
//  - sea/ (the single executable applications): main.cjs, the SEA's main script (one CommonJS file,
//    as Node requires), which evaluates kubectl-certs.cjs, the CLI as one CommonJS file (esbuild
//    turns each dynamic import() into a call of a wrapped module), and client-node.cjs.
import { readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type BuildOptions, type BuildResult, build, type Plugin } from 'esbuild';

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

const pkg = JSON.parse(readFileSync(new URL('package.json', import.meta.url), 'utf8')) as { version: string };
for (const out of ['dist', 'sea']) rmSync(new URL(out, import.meta.url), { recursive: true, force: true });

const shared: BuildOptions = {
  bundle: true,
  platform: 'node',
  plugins: [noDevTranspilers],
  logLevel: 'warning',
  metafile: true,
  define: { KUBECTL_CERTS_VERSION: JSON.stringify(pkg.version) },
};
const megabytes = (r: BuildResult) =>
  (Object.values(r.metafile?.outputs ?? {}).reduce((n, o) => n + o.bytes, 0) / 1e6).toFixed(1);

const result = await build({
  ...shared,
  entryPoints: { 'kubectl-certs': 'src/main.ts' },
  outdir: 'dist',
  splitting: true,
  format: 'esm',
  target: 'node22',
  sourcemap: 'linked',
  // Some dependencies are CommonJS and require() Node built-ins at run time.
  banner: {
    js: "import { createRequire as __kcCreateRequire } from 'node:module'; const require = __kcCreateRequire(import.meta.url);",
  },
});
console.log(
  `plugin: dist/ ${megabytes(result)} MB in ${Object.keys(result.metafile?.outputs ?? {}).filter((f) => f.endsWith('.js')).length} files`,
);

// @kubernetes/client-node goes into its own file (a SEA asset) that holds only what the plugin
// imports from it. A module of the main script that imports client-node gets a stand-in that
// evaluates that file on first use (src/sea/client-node-asset.ts). The stand-in names every export,
// so importing a name missing from this list fails the build instead of the executable.
const CLIENT_NODE_EXPORTS = [
  'ApiregistrationV1Api',
  'AuthorizationV1Api',
  'CertificatesV1Api',
  'CoreV1Api',
  'KubeConfig',
  'VersionApi',
  'Watch',
];
const loader = JSON.stringify(fileURLToPath(new URL('src/sea/client-node-asset.ts', import.meta.url)));
const clientNodeAsAsset: Plugin = {
  name: 'client-node-as-asset',
  setup(b) {
    b.onResolve({ filter: /^@kubernetes\/client-node$/ }, (a) => ({
      path: a.path,
      namespace: 'client-node',
    }));
    b.onLoad({ filter: /.*/, namespace: 'client-node' }, () => ({
      contents: `import { loadClientNode } from ${loader};\nexport const { ${CLIENT_NODE_EXPORTS.join(', ')} } = loadClientNode();`,
      loader: 'js',
      resolveDir: fileURLToPath(new URL('.', import.meta.url)),
    }));
  },
};

const sea = await build({
  ...shared,
  plugins: [noDevTranspilers, clientNodeAsAsset],
  entryPoints: ['src/main.ts'],
  outfile: 'sea/kubectl-certs.cjs',
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
  outfile: 'sea/client-node.cjs',
  format: 'cjs',
  target: 'node24',
});
console.log(
  `plugin: sea/main.cjs ${megabytes(seaMain)} MB, sea/kubectl-certs.cjs ${megabytes(sea)} MB, sea/client-node.cjs ${megabytes(asset)} MB`,
);
