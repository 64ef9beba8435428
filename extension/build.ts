// Bundles the extension into one CommonJS file; `vscode` is provided by the editor at run time.
// The integration tests (test/suite) are bundled too, one CommonJS file per spec, into out/test:
// the editor's extension host require()s them (mocha stays external, loaded from node_modules).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';
import { withRuleSettings } from './settings-schema.ts';

// package.json's kubectlCerts.rules keys come from core's rule list: a new rule is configurable
// from its first build (test/settings-schema.test.ts fails while package.json is behind).
const manifest = readFileSync('package.json', 'utf8');
const updated = withRuleSettings(manifest);
if (updated !== manifest) {
  writeFileSync('package.json', updated);
  console.log('extension: package.json kubectlCerts.rules updated from the core rule list');
}

const common = {
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
} as const;

const result = await build({
  ...common,
  entryPoints: ['src/extension.ts'],
  outfile: 'dist/extension.cjs',
  external: ['vscode'],
  metafile: true,
});
const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
console.log(`extension: dist/extension.cjs ${(bytes / 1e3).toFixed(0)} kB`);

const suite = readdirSync('test/suite')
  .filter((f) => f === 'index.ts' || f.endsWith('.spec.ts'))
  .map((f) => `test/suite/${f}`);
await build({
  ...common,
  entryPoints: suite,
  outdir: 'out/test/suite',
  outExtension: { '.js': '.cjs' },
  external: ['vscode', 'mocha'],
});
