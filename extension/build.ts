// Bundles the extension into one CommonJS file; `vscode` is provided by the editor at run time.
import { build } from 'esbuild';

const result = await build({
  entryPoints: ['src/extension.ts'],
  outfile: 'dist/extension.cjs',
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  external: ['vscode'],
  sourcemap: 'linked',
  metafile: true,
  logLevel: 'warning',
});
const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
console.log(`extension: dist/extension.cjs ${(bytes / 1e3).toFixed(0)} kB`);
