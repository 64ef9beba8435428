#!/usr/bin/env node
// kubectl-certs: run by kubectl as "kubectl certs ...", or directly.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 19)) {
  process.stderr.write(`error: kubectl-certs needs Node.js 22.19 or newer (found ${process.version})\n`);
  process.exit(1);
}
// Cache V8's compiled code of the bundle between runs (in the OS temp folder): faster start-up.
const { enableCompileCache } = await import('node:module');
const { fileURLToPath } = await import('node:url');
enableCompileCache?.();
const { main, exitWhenFlushed } = await import('../dist/kubectl-certs.js');
await main(process.argv.slice(2), fileURLToPath(new URL('..', import.meta.url)));
await exitWhenFlushed();
