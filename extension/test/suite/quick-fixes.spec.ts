import assert from 'node:assert/strict';
import { fixAll } from '@kubectl-certs/core';
import { afterEach, describe, it } from 'mocha';
import * as vscode from 'vscode';
import {
  codeActions,
  codeOf,
  comments,
  fileIn,
  fixtures,
  openLinted,
  ours,
  relinted,
  restoreFiles,
  waitFor,
} from './helpers.ts';

const PREFERRED =
  'Verify kubelets with the cluster CA (mount kube-root-ca.crt, use --kubelet-certificate-authority)';
const REMOVE = 'Remove --kubelet-insecure-tls (metrics-server then verifies kubelets with the in-cluster CA)';
const flagOf = (uri: vscode.Uri) =>
  ours(uri).find((d) => codeOf(d) === 'insecure-kubelet-tls') as vscode.Diagnostic;

describe('quick fixes', () => {
  afterEach(restoreFiles);

  it('offers the fixes of the finding under the cursor, the safest one preferred', async () => {
    const uri = fileIn('manifests', 'examples', 'components.yaml');
    await openLinted(uri, 2);
    const actions = await codeActions(uri, flagOf(uri).range, vscode.CodeActionKind.QuickFix);
    assert.deepEqual(
      actions.map((a) => [a.title, a.isPreferred ?? false]),
      [
        [PREFERRED, true],
        [REMOVE, false],
      ],
    );
  });

  it('the preferred fix mounts kube-root-ca.crt and points the flag at it, keeping the comment on its line', async () => {
    const uri = fileIn('manifests', 'examples', 'components.yaml');
    const editor = await openLinted(uri, 2);
    const before = editor.document.getText();
    const [fix] = await codeActions(uri, flagOf(uri).range, vscode.CodeActionKind.QuickFix);
    assert.ok(fix?.edit && (await vscode.workspace.applyEdit(fix.edit)));
    const text = editor.document.getText();
    assert.ok(
      text.includes(
        '            - --kubelet-certificate-authority=/etc/kubernetes/kubelet-ca/ca.crt # was --kubelet-insecure-tls: added because of "x509: cannot validate certificate',
      ),
      text,
    );
    assert.ok(
      text.includes(
        '            - mountPath: /tmp\n              name: tmp-dir\n            - name: kube-root-ca\n              mountPath: /etc/kubernetes/kubelet-ca\n              readOnly: true\n',
      ),
      text,
    );
    assert.ok(
      text.includes(
        '        - emptyDir: {}\n          name: tmp-dir\n        - name: kube-root-ca\n          configMap:\n            name: kube-root-ca.crt\n            items:\n            - key: ca.crt\n              path: ca.crt\n',
      ),
      text,
    );
    assert.deepEqual(comments(text), comments(before));
    await waitFor(() => ours(uri).length === 1, 'the fixed finding to clear');
  });

  for (const [file, eol] of [
    ['kubelet-no-final-newline.yaml', '\n'],
    ['kubelet-no-final-newline-crlf.yaml', '\r\n'],
  ] as const)
    it(`a file without a final line break (${JSON.stringify(eol)}): the quick fix and Fix all add a whole line after the last one, and the file still ends without a break`, async () => {
      const uri = fileIn('manifests', file);
      const editor = await openLinted(uri, 1);
      const before = editor.document.getText();
      const expected = `${before}${eol}serverTLSBootstrap: true`;
      const [d] = ours(uri);
      assert.ok(d && codeOf(d) === 'kubelet-serving-bootstrap');
      const [fix] = await codeActions(uri, d.range, vscode.CodeActionKind.QuickFix);
      assert.equal(fix?.title, 'Set serverTLSBootstrap: true');
      assert.ok(fix?.edit && (await vscode.workspace.applyEdit(fix.edit)));
      assert.equal(editor.document.getText(), expected);
      await waitFor(() => ours(uri).length === 0, 'the fixed finding to clear');

      await restoreFiles();
      await waitFor(() => ours(uri).length === 1, 'the finding back on the restored file');
      const range = new vscode.Range(0, 0, editor.document.lineCount, 0);
      const [all] = await codeActions(uri, range, vscode.CodeActionKind.SourceFixAll);
      assert.ok(all?.edit && (await vscode.workspace.applyEdit(all.edit)));
      assert.equal(editor.document.getText(), expected);
    });

  it('the fix uses the kubelet CA mount path from the folder settings', async () => {
    const uri = fileIn('strict', 'components.yaml');
    const editor = await openLinted(uri, 1);
    const [fix] = await codeActions(uri, flagOf(uri).range, vscode.CodeActionKind.QuickFix);
    assert.ok(fix?.edit && (await vscode.workspace.applyEdit(fix.edit)));
    const mount = fixtures().strictMountPath;
    assert.ok(editor.document.getText().includes(`- --kubelet-certificate-authority=${mount}/ca.crt #`));
    assert.ok(editor.document.getText().includes(`mountPath: ${mount}\n`));
  });

  it('every example manifest: applying each preferred quick fix gives what kubectl certs lint --fix writes, comments intact', async () => {
    for (const name of fixtures().examples) {
      const uri = fileIn('manifests', 'examples', name);
      const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
      const original = editor.document.getText();
      await waitFor(() => ours(uri).length > 0, `diagnostics on ${name}`);
      for (let round = 0; round < 10; round++) {
        const fixable = ours(uri).map(async (d) => {
          const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
            'vscode.executeCodeActionProvider',
            uri,
            d.range,
            vscode.CodeActionKind.QuickFix.value,
          );
          return actions.find((a) => a.isPreferred);
        });
        const preferred = (await Promise.all(fixable)).find((a) => a?.edit);
        if (!preferred?.edit) break;
        const edit = preferred.edit;
        await relinted(uri, async () => assert.ok(await vscode.workspace.applyEdit(edit)));
      }
      const text = editor.document.getText();
      assert.equal(text, fixAll(original, {}).text, `${name}: the editor's fixes differ from the CLI's`);
      assert.deepEqual(comments(text), comments(original), `${name}: a comment changed`);
      // Before the next file opens in this editor: replacing a dirty editor saves it in test mode.
      await restoreFiles();
    }
  });

  it('"Fix all kubectl-certs problems" is a source.fixAll action that fixes the whole file in one edit', async () => {
    const uri = fileIn('manifests', 'examples', 'components.yaml');
    const editor = await openLinted(uri, 2);
    const original = editor.document.getText();
    const range = new vscode.Range(0, 0, editor.document.lineCount, 0);
    const actions = await codeActions(uri, range, vscode.CodeActionKind.SourceFixAll);
    assert.deepEqual(
      actions.map((a) => [a.title, a.kind?.value]),
      [['Fix all kubectl-certs problems', 'source.fixAll.kubectl-certs']],
    );
    const [fixAllAction] = actions;
    assert.ok(fixAllAction?.edit);
    assert.equal(fixAllAction.edit.get(uri).length, 1);
    assert.ok(await vscode.workspace.applyEdit(fixAllAction.edit));
    assert.equal(editor.document.getText(), fixAll(original, {}).text);
    assert.deepEqual(comments(editor.document.getText()), comments(original));
  });
});
