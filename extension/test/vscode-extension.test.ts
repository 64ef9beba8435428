// The extension's integration tests (test/suite, mocha) run inside a real VS Code extension host
// (code-server); each of them becomes one test here, so the test command counts them.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runInExtensionHost } from './harness/extension-host.ts';
import { makeTestWorkspace } from './workspace.ts';

const extension = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
const root = mkdtempSync(join(tmpdir(), 'kc-ext-workspace-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const run = await runInExtensionHost({
  extensionPath: extension,
  testsPath: join(extension, 'out/test/suite/index.cjs'),
  workspace: makeTestWorkspace(root),
});
const tests = run.results?.tests ?? [];
/** The suite's size when this was written: fewer means a spec file did not load. */
const AT_LEAST = 24;

describe('the extension in a real VS Code extension host', () => {
  it('ran the whole suite and the host exited 0', () => {
    expect(tests.length, run.log.join('\n')).toBeGreaterThanOrEqual(AT_LEAST);
    expect(run.exitCode, run.log.join('\n')).toBe(0);
  });

  it.each(tests.map((t) => [t.title, t] as const))('%s', (_title, t) => {
    expect(t.state, t.error).toBe('passed');
  });
});
