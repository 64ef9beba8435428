// Bundles the CLI into dist/: one entry plus lazily loaded chunks, so `--help` never loads
// @kubernetes/client-node (commands import it inside run()).
import { readFileSync, rmSync } from 'node:fs';
import { build, type Plugin } from 'esbuild';

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
rmSync(new URL('dist', import.meta.url), { recursive: true, force: true });

const result = await build({
  entryPoints: { 'kubectl-certs': 'src/main.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  sourcemap: 'linked',
  metafile: true,
  plugins: [noDevTranspilers],
  logLevel: 'warning',
  define: { KUBECTL_CERTS_VERSION: JSON.stringify(pkg.version) },
  // Some dependencies are CommonJS and require() Node built-ins at run time.
  banner: {
    js: "import { createRequire as __kcCreateRequire } from 'node:module'; const require = __kcCreateRequire(import.meta.url);",
  },
});
const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
console.log(
  `plugin: dist/ ${(bytes / 1e6).toFixed(1)} MB in ${Object.keys(result.metafile.outputs).filter((f) => f.endsWith('.js')).length} files`,
);
