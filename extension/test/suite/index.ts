// The extensionTestsPath module: the editor's extension host require()s it and awaits run().
// The same file serves the code-server harness (offline) and @vscode/test-electron (desktop).
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Mocha from 'mocha';

interface Result {
  title: string;
  state: 'passed' | 'failed';
  error?: string;
}

/** Runs every *.spec.cjs beside this file; rejects when a test fails (the host then exits 1). */
export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 30_000, reporter: 'spec' });
  for (const f of readdirSync(__dirname)
    .filter((n) => n.endsWith('.spec.cjs'))
    .sort())
    mocha.addFile(join(__dirname, f));
  const tests: Result[] = [];
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      // The code-server harness reads this file (the host inherits its environment); elsewhere it is unset.
      const file = process.env.KUBECTL_CERTS_EXT_TEST_RESULTS;
      if (file) writeFileSync(file, JSON.stringify({ tests }, null, 2));
      if (failures > 0) reject(new Error(`${failures} of ${tests.length} tests failed`));
      else resolve();
    });
    runner.on('pass', (t) => tests.push({ title: t.fullTitle(), state: 'passed' }));
    runner.on('fail', (t, err: Error) =>
      tests.push({ title: t.fullTitle(), state: 'failed', error: String(err?.stack ?? err) }),
    );
  });
}
