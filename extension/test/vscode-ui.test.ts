// The path a user takes, in the real VS Code workbench (code-server) driven by playwright-core
// and Debian's chromium: open the manifest, see the squiggle, press Ctrl+. and pick the quick fix,
// then check the text in the editor and, after Ctrl+S, on disk. Screenshots go to test/artifacts
// (the README's picture is the quick-fix one).
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyEdits, lint } from '@kubectl-certs/core';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { type Browser, type CodeServer, launchBrowser, startCodeServer } from './harness/code-server.ts';

const extension = new URL('..', import.meta.url).pathname;
const artifacts = join(extension, 'test/artifacts');
const EXAMPLE = new URL('../../docs/examples/components.yaml', import.meta.url).pathname;
const FILE = 'components.yaml';
const FLAG = '--kubelet-insecure-tls';
const PREFERRED =
  'Verify kubelets with the cluster CA (mount kube-root-ca.crt, use --kubelet-certificate-authority)';

/** Lays the extension out in the extensions folder the way installing its .vsix does. */
function install(extensionsDir: string): void {
  const pkg = JSON.parse(readFileSync(join(extension, 'package.json'), 'utf8')) as {
    publisher: string;
    name: string;
    version: string;
  };
  const dest = join(extensionsDir, `${pkg.publisher}.${pkg.name}-${pkg.version}`);
  mkdirSync(dest, { recursive: true });
  for (const f of ['package.json', 'README.md', 'dist', 'images'])
    cpSync(join(extension, f), join(dest, f), { recursive: true });
}

/**
 * Ctrl+. opens the quick-fix menu; a press that lands while the editor is still computing its
 * code actions is dropped, so press again (a person would too).
 */
async function openQuickFixMenu(page: Page, menu: Locator): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await page.keyboard.press('Control+Period');
    try {
      await menu.waitFor({ timeout: 5_000 });
      return;
    } catch (e) {
      if (attempt === 3) throw e;
    }
  }
}

describe('quick fix in the VS Code workbench', () => {
  const workspace = mkdtempSync(join(tmpdir(), 'kc-ui-workspace-'));
  let server: CodeServer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    mkdirSync(artifacts, { recursive: true });
    copyFileSync(EXAMPLE, join(workspace, FILE));
    server = await startCodeServer({ prepare: (dirs) => install(dirs.extensions) });
    browser = await launchBrowser();
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    page.setDefaultTimeout(30_000);
    await page.goto(`${server.url}?folder=${encodeURIComponent(workspace)}`);
    await page.locator('.monaco-workbench').waitFor();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    rmSync(workspace, { recursive: true, force: true });
  });

  it('shows the squiggle, offers the preferred fix on Ctrl+., and the saved file keeps its comments', async () => {
    onTestFailed(() => page.screenshot({ path: join(artifacts, 'ui-failure.png') }).then(() => {}));
    const original = readFileSync(join(workspace, FILE), 'utf8');
    const finding = lint(original).find((f) => f.ruleId === 'insecure-kubelet-tls');
    const expected = applyEdits(original, finding?.fixes[0]?.edits ?? []);

    await page.locator('.explorer-folders-view .monaco-list-row', { hasText: FILE }).click();
    const editor = page.locator('.editor-instance .monaco-editor').first();
    await editor.locator('.view-lines', { hasText: 'metrics-server' }).waitFor();
    await editor.locator('.squiggly-warning').first().waitFor();

    // The squiggle lies under the text layer: click the flag's token on its line (not the comment naming it).
    const flagLine = editor.locator('.view-line', { hasText: `${FLAG} # added because` });
    await flagLine.locator('span span', { hasText: FLAG }).first().click();
    const fix = page.locator('.action-widget', { hasText: PREFERRED });
    await openQuickFixMenu(page, fix);
    await page.screenshot({ path: join(artifacts, 'quick-fix.png') });
    await fix.getByText(PREFERRED).click();

    const fixedLine = editor.locator('.view-line', { hasText: '--kubelet-certificate-authority=' });
    await fixedLine.waitFor();
    const rendered = ((await fixedLine.textContent()) ?? '').replace(/\u00a0/g, ' ');
    expect(rendered).toContain(
      '- --kubelet-certificate-authority=/etc/kubernetes/kubelet-ca/ca.crt # was --kubelet-insecure-tls: added because of "x509: cannot validate certificate',
    );
    await page.keyboard.press('Control+S');
    // The editor writes the file in steps: poll until the whole fixed text is there.
    await expect.poll(() => readFileSync(join(workspace, FILE), 'utf8'), { timeout: 10_000 }).toBe(expected);
    await page.screenshot({ path: join(artifacts, 'after-fix.png') });
  });
});
