import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { afterEach, describe, it } from 'mocha';
import * as vscode from 'vscode';
import { comments, fileIn, fixtures, open, restoreFiles, waitFor } from './helpers.ts';

const INSERT = 'kubectl-certs.insertCaBundle';
type InsertResult = { ok: boolean; message: string };

/** The caBundle value's position in an open APIService manifest. */
function caBundleAt(doc: vscode.TextDocument): vscode.Position {
  const line = doc
    .getText()
    .split('\n')
    .findIndex((l) => l.startsWith('  caBundle: '));
  assert.ok(line >= 0, 'the manifest has a caBundle');
  return new vscode.Position(line, '  caBundle: '.length + 5);
}

const hoverText = (hovers: vscode.Hover[]) =>
  hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');

/** Our CodeLenses of a document (asked with a resolve count, so their commands are filled in). */
/** The hovers VS Code shows over the caBundle value of `uri`, once there are any. */
async function hoversOnCaBundle(uri: vscode.Uri): Promise<vscode.Hover[]> {
  const { document } = await open(uri);
  return waitFor(async () => {
    const all = await vscode.commands.executeCommand<vscode.Hover[]>(
      'vscode.executeHoverProvider',
      uri,
      caBundleAt(document),
    );
    return all.length > 0 && all;
  }, 'a hover on the caBundle');
}

async function lenses(uri: vscode.Uri): Promise<vscode.CodeLens[]> {
  await open(uri);
  return waitFor(async () => {
    const all = await vscode.commands.executeCommand<vscode.CodeLens[]>(
      'vscode.executeCodeLensProvider',
      uri,
      10,
    );
    const mine = (all ?? []).filter((l) => l.command?.command === 'kubectl-certs.showCaBundle');
    return mine.length > 0 && mine;
  }, 'the caBundle CodeLens');
}

describe('caBundle insight', () => {
  afterEach(restoreFiles);

  it('hovering a caBundle shows each certificate: subject, issuer, validity and SHA-256 fingerprint', async () => {
    const uri = fileIn('manifests', 'ca', 'apiservice-with-ca.yaml');
    const hovers = await hoversOnCaBundle(uri);
    const text = hoverText(hovers);
    const { ca } = fixtures();
    assert.match(text, /\*\*caBundle\*\*: 1 certificate \(the first expires in 213 days\)/);
    assert.ok(text.includes(`| Subject | ${ca.subject} |`), text);
    assert.ok(text.includes(`| Issuer | ${ca.issuer} (self-issued) |`), text);
    assert.match(text, /\| Valid from \| \d{4}-\d\d-\d\dT[\d:.]+Z \|/);
    assert.match(text, /\| Valid until \| \d{4}-\d\d-\d\dT[\d:.]+Z \(expires in 213 days\) \|/);
    assert.ok(
      text.includes(`| SHA-256 | \`${ca.sha256}\` |`),
      `openssl's fingerprint ${ca.sha256} in\n${text}`,
    );
  });

  it('a CodeLens above the caBundle says when the CA expires, with a warning icon within 30 days', async () => {
    const healthy = await lenses(fileIn('manifests', 'ca', 'apiservice-with-ca.yaml'));
    assert.deepEqual(
      healthy.map((l) => l.command?.title),
      ['CA expires in 213 days'],
    );
    const expiring = await lenses(fileIn('manifests', 'ca', 'apiservice-expiring.yaml'));
    assert.deepEqual(
      expiring.map((l) => l.command?.title),
      ['$(warning) CA expires in 10 days'],
    );
  });

  it('a caBundle that holds no certificate gets an error lens, and its hover says why', async () => {
    const uri = fileIn('manifests', 'ca', 'apiservice-unreadable.yaml');
    const [lens] = await lenses(uri);
    assert.equal(lens?.command?.title, '$(error) caBundle cannot be read');
    const hovers = await hoversOnCaBundle(uri);
    assert.equal(
      hoverText(hovers),
      '**caBundle**: caBundle does not hold PEM certificates: no PEM block found (expected -----BEGIN ...-----).',
    );
  });

  it('"Insert caBundle from PEM file…" puts the base64 CA into the APIService and removes insecureSkipTLSVerify', async () => {
    const editor = await open(fileIn('manifests', 'ca', 'apiservice-insecure.yaml'));
    const before = editor.document.getText();
    const pem = fileIn('manifests', 'ca', 'metrics-ca.pem');
    const r = await vscode.commands.executeCommand<InsertResult>(INSERT, pem);
    assert.deepEqual(r, {
      ok: true,
      message: 'caBundle set from manifests/ca/metrics-ca.pem: 1 certificate, CA expires in 364 days.',
    });
    const b64 = Buffer.from(readFileSync(pem.fsPath)).toString('base64');
    assert.equal(
      editor.document.getText(),
      before
        .replace('  insecureSkipTLSVerify: true # until metrics-server has a CA-signed certificate\n', '')
        .replace('  versionPriority: 100\n', `  versionPriority: 100\n  caBundle: ${b64}\n`),
    );
    assert.deepEqual(
      comments(editor.document.getText()),
      comments(before).filter((c) => !c.includes('until metrics-server')),
    );
  });

  it('refuses a file that is not a certificate with one clear sentence, and changes nothing', async () => {
    const editor = await open(fileIn('manifests', 'ca', 'apiservice-insecure.yaml'));
    const before = editor.document.getText();
    const r = await vscode.commands.executeCommand<InsertResult>(
      INSERT,
      fileIn('manifests', 'ca', 'metrics-ca.key'),
    );
    assert.deepEqual(r, {
      ok: false,
      message:
        'Cannot insert the caBundle: manifests/ca/metrics-ca.key: not a PEM CA certificate: expected a CERTIFICATE but found a PEM block "PRIVATE KEY"',
    });
    assert.equal(editor.document.getText(), before);
    assert.equal(editor.document.isDirty, false);
  });
});
