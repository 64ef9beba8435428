import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'mocha';
import * as vscode from 'vscode';
import { codeOf, fileIn, open, openLinted, ours, restoreFiles, waitFor } from './helpers.ts';

const DOCS = 'https://github.com/kubectl-certs/kubectl-certs/blob/main/docs/rules';

describe('diagnostics', () => {
  afterEach(restoreFiles);

  it('shows core findings on an example manifest when it opens: source kubectl-certs, the rule id as code, linked to its page', async () => {
    const uri = fileIn('manifests', 'examples', 'components.yaml');
    const editor = await openLinted(uri, 2);
    const byRule = Object.fromEntries(ours(uri).map((d) => [codeOf(d), d]));
    const flag = byRule['insecure-kubelet-tls'];
    assert.ok(flag, 'insecure-kubelet-tls is reported');
    assert.equal(editor.document.getText(flag.range), '--kubelet-insecure-tls');
    assert.equal(flag.severity, vscode.DiagnosticSeverity.Warning);
    assert.match(flag.message, /^metrics-server does not verify kubelet certificates/);
    const code = flag.code as { value: string; target: vscode.Uri };
    assert.equal(code.target.toString(true), `${DOCS}/insecure-kubelet-tls.md`);
    const skip = byRule['apiservice-insecure'];
    assert.ok(skip, 'apiservice-insecure is reported');
    assert.equal(editor.document.getText(skip.range), 'true');
    assert.equal(editor.document.lineAt(skip.range.start.line).text, '  insecureSkipTLSVerify: true');
  });

  it('lints Helm values and Kubespray variables with their own rules', async () => {
    for (const [name, rules] of [
      ['metrics-server-values.yaml', ['helm-insecure-kubelet-tls', 'helm-apiservice-insecure']],
      ['kubespray-k8s-cluster.yml', ['kubespray-serving-certificates', 'kubespray-metrics-server-insecure']],
    ] as const) {
      const uri = fileIn('manifests', 'examples', name);
      await openLinted(uri, rules.length);
      assert.deepEqual(ours(uri).map(codeOf), [...rules], name);
    }
  });

  it('lints again after an edit: deleting the flag line clears its diagnostic', async () => {
    const uri = fileIn('manifests', 'examples', 'components.yaml');
    const editor = await openLinted(uri, 2);
    const line = ours(uri).find((d) => codeOf(d) === 'insecure-kubelet-tls')?.range.start.line;
    assert.ok(line !== undefined);
    await editor.edit((e) => e.delete(editor.document.lineAt(line).rangeIncludingLineBreak));
    await waitFor(() => ours(uri).length === 1, 'one diagnostic left');
    assert.deepEqual(ours(uri).map(codeOf), ['apiservice-insecure']);
  });

  it('lints unsaved YAML editors too', async () => {
    const doc = await vscode.workspace.openTextDocument({
      language: 'yaml',
      content:
        'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nserverTLSBootstrap: false\n',
    });
    await vscode.window.showTextDocument(doc);
    await waitFor(() => ours(doc.uri).length === 1, 'a diagnostic on the untitled document');
    assert.equal(codeOf(ours(doc.uri)[0] as vscode.Diagnostic), 'kubelet-serving-bootstrap');
  });

  it('reports a YAML syntax error once, where it is, and nothing on YAML that is not a Kubernetes manifest', async () => {
    const broken = fileIn('manifests', 'broken.yaml');
    await openLinted(broken, 1);
    const [d] = ours(broken);
    assert.equal(d && codeOf(d), 'yaml-syntax');
    assert.equal(d?.severity, vscode.DiagnosticSeverity.Error);
    assert.equal(d?.message, 'YAML syntax error: All mapping items must start at the same column');
    assert.deepEqual([d?.range.start.line, d?.range.start.character], [4, 0]);

    const plain = fileIn('manifests', 'not-kubernetes.yaml');
    await open(plain);
    // The broken file above proves the extension lints; give it the same time here.
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(ours(plain), []);
  });

  it('a settings change applies to open files at once: a rule turned off disappears, and comes back', async () => {
    const uri = fileIn('manifests', 'examples', 'components.yaml');
    await openLinted(uri, 2);
    const settings = vscode.workspace.getConfiguration('kubectlCerts', uri);
    const folder = vscode.ConfigurationTarget.WorkspaceFolder;
    await settings.update('rules', { 'insecure-kubelet-tls': 'off' }, folder);
    try {
      await waitFor(() => ours(uri).length === 1, 'the rule turned off to disappear');
      assert.deepEqual(ours(uri).map(codeOf), ['apiservice-insecure']);
    } finally {
      await settings.update('rules', undefined, folder);
    }
    await waitFor(() => ours(uri).length === 2, 'the rule to come back');
  });

  it('each folder of a multi-root workspace uses its own settings: a rule off, another raised to error', async () => {
    const strict = fileIn('strict', 'components.yaml');
    await openLinted(strict, 1);
    const [d] = ours(strict);
    assert.equal(d && codeOf(d), 'insecure-kubelet-tls');
    assert.equal(d?.severity, vscode.DiagnosticSeverity.Error);

    const relaxed = fileIn('manifests', 'examples', 'components.yaml');
    await openLinted(relaxed, 2);
    assert.ok(ours(relaxed).every((x) => x.severity === vscode.DiagnosticSeverity.Warning));
  });
});
