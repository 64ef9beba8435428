import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'mocha';
import * as vscode from 'vscode';
import { codeActions, codeOf, fileIn, openLinted, ours, restoreFiles, waitFor } from './helpers.ts';

const PREFERRED =
  'Verify kubelets with the cluster CA (mount kube-root-ca.crt, use --kubelet-certificate-authority)';

describe('file shapes', () => {
  afterEach(restoreFiles);

  it('kubectl get deploy -o yaml (a List): the item is linted, and its preferred quick fix edits the item in its indentation', async () => {
    const uri = fileIn('manifests', 'shapes', 'kubectl-get-deploy.yaml');
    const editor = await openLinted(uri, 1);
    const [flag] = ours(uri);
    assert.ok(flag);
    assert.equal(codeOf(flag), 'insecure-kubelet-tls');
    assert.equal(flag.range.start.line, 40);
    assert.equal(editor.document.getText(flag.range), '--kubelet-insecure-tls');
    const actions = await codeActions(uri, flag.range, vscode.CodeActionKind.QuickFix);
    const preferred = actions.find((a) => a.isPreferred);
    assert.equal(preferred?.title, PREFERRED);
    assert.ok(preferred?.edit && (await vscode.workspace.applyEdit(preferred.edit)));
    const text = editor.document.getText();
    assert.ok(
      text.includes(
        '          - --kubelet-certificate-authority=/etc/kubernetes/kubelet-ca/ca.crt\n          image: registry.k8s.io/metrics-server/metrics-server:v0.7.2\n',
      ),
      text,
    );
    assert.ok(
      text.includes(
        '          - mountPath: /tmp\n            name: tmp-dir\n          - name: kube-root-ca\n            mountPath: /etc/kubernetes/kubelet-ca\n            readOnly: true\n        dnsPolicy: ClusterFirst\n',
      ),
      text,
    );
    assert.ok(
      text.includes(
        '        - emptyDir: {}\n          name: tmp-dir\n        - name: kube-root-ca\n          configMap:\n            name: kube-root-ca.crt\n',
      ),
      text,
    );
    await waitFor(() => ours(uri).length === 0, 'the fixed finding to clear');
  });

  for (const [name, path] of [
    ["a Helm chart's templates/deployment.yaml", ['metrics-server-chart', 'templates', 'deployment.yaml']],
    ["a Helm chart's templates/apiservice.yaml", ['metrics-server-chart', 'templates', 'apiservice.yaml']],
    ['a kubeadm config Jinja template', ['shapes', 'kubeadm-config.yaml']],
  ] as const) {
    it(`${name}: no error squiggle, only the template-file information`, async () => {
      const uri = fileIn('manifests', ...path);
      await openLinted(uri, 1);
      const [notice] = ours(uri);
      assert.equal(notice && codeOf(notice), 'template-file');
      assert.equal(notice?.severity, vscode.DiagnosticSeverity.Information);
      assert.match(notice?.message ?? '', /^Not linted: a (Helm|Jinja) template/);
      const errors = vscode.languages
        .getDiagnostics(uri)
        .filter((d) => d.severity === vscode.DiagnosticSeverity.Error);
      assert.deepEqual(errors, []);
    });
  }

  it('a kube-apiserver static Pod: the cluster-wide fix is offered, never preferred, and fix-all leaves it', async () => {
    const uri = fileIn('manifests', 'shapes', 'kube-apiserver.yaml');
    const editor = await openLinted(uri, 1);
    const [finding] = ours(uri);
    assert.ok(finding);
    assert.equal(codeOf(finding), 'apiserver-kubelet-ca');
    const actions = await codeActions(uri, finding.range, vscode.CodeActionKind.QuickFix);
    assert.deepEqual(
      actions.map((a) => [a.title.startsWith('Verify kubelets from the API server'), a.isPreferred ?? false]),
      [[true, false]],
    );
    assert.match(actions[0]?.title ?? '', /cluster-wide: kubectl logs and exec then fail on every kubelet/);
    const fixAll = await vscode.commands.executeCommand<vscode.CodeAction[]>(
      'vscode.executeCodeActionProvider',
      uri,
      new vscode.Range(0, 0, editor.document.lineCount, 0),
      vscode.CodeActionKind.SourceFixAll.append('kubectl-certs').value,
    );
    assert.deepEqual(fixAll ?? [], []);
  });
});
