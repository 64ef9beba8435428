import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Log } from 'sarif';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = new URL('../bin/kubectl-certs.js', import.meta.url).pathname;
const REPO = new URL('../../', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'kc-sarif-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Microsoft's SARIF Multitool (from npm): the schema plus GitHub code scanning's ingestion rules. */
function multitool(): string {
  const require = createRequire(join(REPO, 'package.json'));
  const pkg = require.resolve(`@microsoft/sarif-multitool-${process.platform}/package.json`);
  return join(dirname(pkg), process.platform === 'win32' ? 'Sarif.Multitool.exe' : 'Sarif.Multitool');
}

/** The validator's own findings on a SARIF file: schema errors and GitHub (GH*) errors and warnings. */
function validate(file: string): { ruleId?: string; level?: string; message?: { text?: string } }[] {
  const out = `${file}.validation.sarif`;
  const r = spawnSync(
    multitool(),
    ['validate', '--rule-kind', 'Sarif;Gh', file, '-o', out, '--log', 'ForceOverwrite'],
    {
      encoding: 'utf8',
      env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1' },
    },
  );
  if (!existsSync(out)) throw new Error(`the SARIF validator did not run: ${r.stderr || r.stdout}`);
  const log = JSON.parse(readFileSync(out, 'utf8')) as Log;
  return (log.runs[0]?.results ?? []).filter((x) => x.level === 'error' || x.level === 'warning');
}

function lintSarif(args: string[]): { code: number | null; log: Log; file: string } {
  const r = spawnSync(process.execPath, [BIN, 'lint', '-o', 'sarif', ...args], {
    cwd: dir,
    encoding: 'utf8',
  });
  const file = join(dir, `out-${Math.random().toString(36).slice(2)}.sarif`);
  writeFileSync(file, r.stdout);
  return { code: r.status, log: JSON.parse(r.stdout) as Log, file };
}

beforeAll(() => {
  mkdirSync(join(dir, 'deploy/group_vars'), { recursive: true });
  writeFileSync(
    join(dir, 'deploy/components.yaml'),
    readFileSync(join(REPO, 'docs/examples/components.yaml')),
  );
  writeFileSync(
    join(dir, 'deploy/values.yaml'),
    'apiService:\n  insecureSkipTLSVerify: true\nargs:\n- --kubelet-insecure-tls\n',
  );
  writeFileSync(
    join(dir, 'deploy/group_vars/addons.yml'),
    'kubelet_rotate_server_certificates: true\nkubelet_csr_approver_enabled: false\n',
  );
  writeFileSync(join(dir, 'deploy/broken.yaml'), 'kind: [unclosed\n');
});

// The validator is a 95 MB .NET program: about a second alone, many more on a busy CI machine.
describe('lint -o sarif', { timeout: 60_000 }, () => {
  it('is valid SARIF 2.1.0 that GitHub code scanning accepts (Microsoft SARIF Multitool: schema + GitHub rules)', () => {
    const { file } = lintSarif(['deploy']);
    expect(validate(file)).toEqual([]);
  });

  it('the validator does catch what code scanning refuses (a rule without its description)', () => {
    const { log } = lintSarif(['deploy']);
    const broken = structuredClone(log);
    for (const rule of broken.runs[0]?.tool.driver.rules ?? []) delete rule.fullDescription;
    const file = join(dir, 'broken.sarif');
    writeFileSync(file, JSON.stringify(broken));
    expect(validate(file).map((x) => x.ruleId)).toContain('GH2012');
  });

  it('names every rule with a help URI to its docs page, and each result points at its rule and its text', () => {
    const { code, log } = lintSarif(['deploy']);
    expect(code).toBe(4); // broken.yaml is unparsable; the others are still linted
    const run = log.runs[0];
    const rules = run?.tool.driver.rules ?? [];
    for (const rule of rules) {
      expect(rule.helpUri).toBe(
        `https://github.com/kubectl-certs/kubectl-certs/blob/main/docs/rules/${rule.id}.md`,
      );
      expect(existsSync(join(REPO, `docs/rules/${rule.id}.md`))).toBe(true);
    }
    const results = run?.results ?? [];
    const summary = results.map((r) => {
      const loc = r.locations?.[0]?.physicalLocation;
      const uri = loc?.artifactLocation?.uri ?? '';
      const line = readFileSync(join(dir, uri), 'utf8').split('\n')[(loc?.region?.startLine ?? 0) - 1];
      expect(rules[r.ruleIndex ?? -1]?.id).toBe(r.ruleId);
      return [uri, r.ruleId, r.level, line?.trim()];
    });
    expect(summary).toEqual([
      ['deploy/broken.yaml', 'yaml-syntax', 'error', ''], // the unclosed flow sequence ends at the end of the file
      [
        'deploy/components.yaml',
        'insecure-kubelet-tls',
        'warning',
        expect.stringContaining('--kubelet-insecure-tls'),
      ],
      ['deploy/components.yaml', 'apiservice-insecure', 'warning', 'insecureSkipTLSVerify: true'],
      [
        'deploy/group_vars/addons.yml',
        'kubespray-serving-certificates',
        'note',
        'kubelet_csr_approver_enabled: false',
      ],
      ['deploy/values.yaml', 'helm-insecure-kubelet-tls', 'warning', '- --kubelet-insecure-tls'],
      ['deploy/values.yaml', 'helm-apiservice-insecure', 'warning', 'insecureSkipTLSVerify: true'],
    ]);
  });

  it('carries each fix as SARIF replacements that reproduce --fix', () => {
    const { log } = lintSarif(['deploy/values.yaml']);
    const text = readFileSync(join(dir, 'deploy/values.yaml'), 'utf8');
    const [first] = log.runs[0]?.results ?? [];
    const edits = first?.fixes?.[0]?.artifactChanges[0]?.replacements ?? [];
    let out = text;
    for (const e of [...edits].sort(
      (a, b) => (b.deletedRegion.charOffset ?? 0) - (a.deletedRegion.charOffset ?? 0),
    ))
      out =
        out.slice(0, e.deletedRegion.charOffset) +
        (e.insertedContent?.text ?? '') +
        out.slice((e.deletedRegion.charOffset ?? 0) + (e.deletedRegion.charLength ?? 0));
    expect(out).toBe('apiService:\n  insecureSkipTLSVerify: true\nargs: []\n');
  });

  it.each([
    ['LF', '\n'],
    ['CRLF', '\r\n'],
  ])(
    'a KubeletConfiguration without a final line break (%s): the SARIF replacements write exactly what --fix writes',
    (_n, eol) => {
      const text = [
        'apiVersion: kubelet.config.k8s.io/v1beta1',
        'kind: KubeletConfiguration',
        'tlsCertFile: /etc/kubernetes/pki/kubelet.crt',
        'tlsPrivateKeyFile: /etc/kubernetes/pki/kubelet.key',
      ].join(eol);
      mkdirSync(join(dir, 'kubelet'), { recursive: true });
      writeFileSync(join(dir, 'kubelet/config.yaml'), text);
      const [result, ...rest] = lintSarif(['kubelet/config.yaml']).log.runs[0]?.results ?? [];
      expect(rest).toEqual([]);
      const edits = result?.fixes?.[0]?.artifactChanges[0]?.replacements ?? [];
      let out = text;
      for (const e of [...edits].sort(
        (a, b) => (b.deletedRegion.charOffset ?? 0) - (a.deletedRegion.charOffset ?? 0),
      ))
        out =
          out.slice(0, e.deletedRegion.charOffset) +
          (e.insertedContent?.text ?? '') +
          out.slice((e.deletedRegion.charOffset ?? 0) + (e.deletedRegion.charLength ?? 0));
      expect(out).toBe(
        [
          'apiVersion: kubelet.config.k8s.io/v1beta1',
          'kind: KubeletConfiguration',
          'serverTLSBootstrap: true',
        ].join(eol),
      );
      spawnSync(process.execPath, [BIN, 'lint', '--fix', 'kubelet/config.yaml'], { cwd: dir });
      expect(readFileSync(join(dir, 'kubelet/config.yaml'), 'utf8')).toBe(out);
    },
  );
});
