// The extension ships as one bundled CommonJS file in a .vsix made by `vsce package --no-dependencies`
// (the package script); CI makes it here, into the ignored out/ folder.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const extension = new URL('..', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(extension, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
};

/** File names in a zip archive, read from its central directory. */
function zipEntries(zip: Buffer): string[] {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    const nameLength = zip.readUInt16LE(at + 28);
    names.push(zip.toString('utf8', at + 46, at + 46 + nameLength));
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  return names;
}

describe('the packaged extension', () => {
  it('is a .vsix holding the one bundled file, its manifest, README, LICENSE and images, and no sources or node_modules', () => {
    execFileSync('pnpm', ['run', '--silent', 'package'], { cwd: extension, stdio: 'pipe' });
    const vsix = join(extension, 'out', `${pkg.name}-${pkg.version}.vsix`);
    const files = zipEntries(readFileSync(vsix))
      .filter((f) => f.startsWith('extension/'))
      .sort();
    expect(files).toEqual([
      'extension/LICENSE.txt',
      'extension/dist/extension.cjs',
      'extension/images/icon.png',
      'extension/images/quick-fix.png',
      'extension/package.json',
      'extension/readme.md',
    ]);
  });

  it('the bundle requires nothing but vscode and Node built-ins', () => {
    const bundle = readFileSync(join(extension, 'dist/extension.cjs'), 'utf8');
    const required = new Set([...bundle.matchAll(/\brequire\("([^"]+)"\)/g)].map((m) => m[1] ?? ''));
    const outside = [...required].filter(
      (r) => r !== 'vscode' && !builtinModules.includes(r.replace(/^node:/, '')),
    );
    expect(outside).toEqual([]);
    expect(required).toContain('vscode');
  });
});
