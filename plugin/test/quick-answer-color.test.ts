import { expect, it } from 'vitest';

// In a colour terminal oclif prints the root help's section headers in bold. ansis and
// supports-color decide that from the environment when they are first loaded, so this file sets it
// before importing anything that loads them (each test file has its own module cache).
process.env.FORCE_COLOR = '3';

it('the quick root help is oclif’s in a colour terminal too (bold headers)', async () => {
  const [{ Help }, { loadConfig }, { loadCliManifest }, { rootHelp }] = await Promise.all([
    import('@oclif/core'),
    import('../src/oclif-config.ts'),
    import('../src/cli-manifest-source.ts'),
    import('../src/root-help.ts'),
  ]);
  let out = '';
  class Captured extends Help {
    protected override log(...args: string[]): void {
      out += `${args.join(' ')}\n`;
    }
  }
  await new Captured(await loadConfig(new URL('..', import.meta.url).pathname), { maxWidth: 80 }).showHelp(
    [],
  );
  expect(out).toContain('\u001b[1mCOMMANDS\u001b[22m');
  expect(rootHelp(await loadCliManifest(), 80)).toBe(out);
});
