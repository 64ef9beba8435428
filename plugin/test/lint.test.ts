import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

const BIN = new URL('../bin/kubectl-certs.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'kc-lint-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const components = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: metrics-server
spec:
  template:
    spec:
      containers:
      - name: metrics-server
        image: registry.k8s.io/metrics-server/metrics-server:v0.7.2
        args:
        - --cert-dir=/tmp
        - --kubelet-insecure-tls # for now
`;
const kubelet =
  'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nserverTLSBootstrap: true\n';

beforeEach(() => {
  rmSync(join(dir, 'manifests'), { recursive: true, force: true });
  mkdirSync(join(dir, 'manifests/nested'), { recursive: true });
  writeFileSync(join(dir, 'manifests/components.yaml'), components);
  writeFileSync(join(dir, 'manifests/nested/kubelet.yml'), kubelet);
  writeFileSync(join(dir, 'manifests/notes.txt'), '--kubelet-insecure-tls');
});

function cli(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [BIN, 'lint', ...args], {
    cwd: dir,
    input,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: dir },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('kubectl certs lint', () => {
  it('reports like a compiler and exits 3 on a warning', () => {
    const r = cli(['manifests']);
    expect(r.stdout).toBe(
      'manifests/components.yaml:13:11: warning insecure-kubelet-tls metrics-server does not verify kubelet certificates (--kubelet-insecure-tls). Verify them with the cluster CA instead; the kubelets must first serve CA-signed certificates (kubectl certs inspect-kubelet, kubectl certs approve-serving).\n',
    );
    expect(r.code).toBe(3);
  });

  it('exits 0 with --fail-on error when only warnings are found', () => {
    expect(cli(['manifests', '--fail-on', 'error']).code).toBe(0);
  });

  it('--diff prints a unified diff and writes nothing', () => {
    const r = cli(['manifests/components.yaml', '--diff']);
    expect(r.stdout).toContain('--- a/manifests/components.yaml');
    expect(r.stdout).toContain('-        - --kubelet-insecure-tls # for now');
    expect(r.stdout).toContain(
      '+        - --kubelet-certificate-authority=/etc/kubernetes/kubelet-ca/ca.crt # was --kubelet-insecure-tls: for now',
    );
    expect(r.stdout).toContain('+        - name: kube-root-ca');
    expect(readFileSync(join(dir, 'manifests/components.yaml'), 'utf8')).toBe(components);
  });

  it('--fix writes the preferred fixes in place; linting again finds nothing', () => {
    cli(['manifests', '--fix']);
    const fixed = readFileSync(join(dir, 'manifests/components.yaml'), 'utf8');
    expect(fixed).toContain(
      '- --kubelet-certificate-authority=/etc/kubernetes/kubelet-ca/ca.crt # was --kubelet-insecure-tls: for now',
    );
    expect(fixed).toContain('name: kube-root-ca.crt');
    expect(cli(['manifests'])).toMatchObject({ code: 0, stdout: '' });
  });

  it('--fix says on stderr, per file, what it fixed and what is left', () => {
    writeFileSync(
      join(dir, 'manifests/apiservice.yaml'),
      'apiVersion: apiregistration.k8s.io/v1\nkind: APIService\nmetadata: {name: v1beta1.metrics.k8s.io}\nspec:\n  insecureSkipTLSVerify: true\n',
    );
    const r = cli(['manifests', '--fix']);
    expect(r.stderr.split('\n')).toEqual([
      'manifests/apiservice.yaml: 0 fixed, 1 left (apiservice-insecure at 5:26, no fix)',
      'manifests/components.yaml:13:11: fixed insecure-kubelet-tls: Verify kubelets with the cluster CA (mount kube-root-ca.crt, use --kubelet-certificate-authority)',
      'manifests/components.yaml: 1 fixed, 0 left',
      // What is left (the APIService) is what secure metrics-server does on a live cluster.
      expect.stringMatching(/^hint: on a live cluster, `kubectl certs secure metrics-server` /),
      '',
    ]);
    expect(r.stdout).toMatch(
      /^manifests\/apiservice\.yaml:5:26: warning apiservice-insecure .*--apiservice-ca-file FILE/,
    );
    expect(r.code).toBe(3);
  });

  it('--diff headers read a/<path> as git writes them, also for an absolute path', () => {
    const abs = join(dir, 'manifests/components.yaml');
    const r = cli([abs, '--diff']);
    expect(r.stdout).toContain(`--- a${abs}\n+++ b${abs}\n`);
    expect(r.stdout).not.toContain('a//');
    expect(cli(['./manifests/components.yaml', '--diff']).stdout).toContain(
      '--- a/manifests/components.yaml\n',
    );
  });

  it('-o json offsets count UTF-16 code units (as SARIF charOffset and JavaScript strings do)', () => {
    const text = components
      .replace('# for now', '# pour l’été 🚀')
      .replace('--cert-dir=/tmp', '--cert-dir=/tmp/é🚀');
    writeFileSync(join(dir, 'manifests/components.yaml'), text);
    const doc = JSON.parse(cli(['manifests/components.yaml', '-o', 'json']).stdout) as {
      files: { findings: { range: { start: number; end: number } }[] }[];
    };
    const range = doc.files[0]?.findings[0]?.range;
    expect(text.slice(range?.start, range?.end)).toBe('--kubelet-insecure-tls');
    expect(Buffer.byteLength(text.slice(0, range?.start))).toBeGreaterThan(range?.start ?? 0);
  });

  it('reads standard input with -, and --fix - prints the fixed text', () => {
    expect(cli(['-'], components).stdout).toMatch(/^-:13:11: warning insecure-kubelet-tls /);
    expect(cli(['-', '--fix', '--kubelet-ca-mount-path', '/ca'], components).stdout).toContain(
      '--kubelet-certificate-authority=/ca/ca.crt',
    );
  });

  it('reports a syntax error with its position, still lints the other files, and exits 4', () => {
    writeFileSync(join(dir, 'manifests/broken.yaml'), 'kind: Deployment\nspec: [\n');
    const r = cli(['manifests']);
    expect(r.stdout).toMatch(/^manifests\/broken\.yaml:\d+:\d+: error yaml-syntax YAML syntax error: /m);
    expect(r.stdout).toMatch(/^manifests\/components\.yaml:13:11: warning insecure-kubelet-tls /m);
    expect(r.code).toBe(4);
  });

  it('reports a file that cannot be read, lints the rest, and exits 4', () => {
    const r = cli(['nope.yaml', 'manifests']);
    expect(r.stderr.split('\n')[0]).toBe('nope.yaml: error: no such file or directory');
    expect(r.stdout).toContain('insecure-kubelet-tls');
    expect(r.code).toBe(4);
  });

  it('-o json lists every file with its findings and fixes', () => {
    const doc = JSON.parse(cli(['manifests', '-o', 'json']).stdout) as {
      kind: string;
      files: { file: string; findings: { ruleId: string; fixes: { title: string }[] }[] }[];
    };
    expect(doc.kind).toBe('LintReport');
    expect(doc.files.map((f) => [f.file, f.findings.map((x) => x.ruleId)])).toEqual([
      ['manifests/components.yaml', ['insecure-kubelet-tls']],
      ['manifests/nested/kubelet.yml', []],
    ]);
    expect(doc.files[0]?.findings[0]?.fixes.map((x) => x.title)).toHaveLength(2);
  });

  it.each([
    [
      ['manifests', '--rule', 'no-such-rule'],
      /^error: unknown rule "no-such-rule" \(rules: insecure-kubelet-tls, insecure-with-ca, .*, kubelet-ca-mount, .*, yaml-syntax\)$/,
    ],
    [[], /^error: name the files or folders to lint/],
    [['manifests', '--fix', '--diff'], /^error: --fix and --diff do not go together/],
    [['manifests', '--fix-cluster-wide'], /^error: --fix-cluster-wide goes with --fix or --diff$/],
    [['manifests', '--disable', 'nope'], /^error: unknown rule "nope"/],
    [
      ['manifests', '--apiservice-ca-file', 'nope.crt'],
      /^error: --apiservice-ca-file nope.crt: no such file or directory$/,
    ],
  ])('usage errors exit 2, as --help says: %j', (args, message) => {
    const r = cli(args);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(message);
    expect(cli(['--help']).stdout.replace(/\s+/g, ' ')).toContain(
      '2 on a usage error, before anything is read or written (no path, an unknown --rule or --disable, --fix with --diff, --fix-cluster-wide without --fix or --diff, an --apiservice-ca-file that cannot be read or holds no certificate), 1 on other errors.',
    );
  });
});

describe('kubectl certs lint points to secure metrics-server for a live cluster', () => {
  const apply = 'hint: on a live cluster, `kubectl certs secure metrics-server` plans both TLS legs';
  const values = 'hint: for a Helm release, `kubectl certs secure metrics-server --print-values` prints';
  const helmValues = 'args:\n- --kubelet-preferred-address-types=InternalIP\n- --kubelet-insecure-tls\n';
  it.each([
    ['a metrics-server Deployment: the plan and --apply', components, [], [apply]],
    ['chart values: --print-values', helmValues, [], [values]],
    [
      'both kinds in one run: both hints, --apply first',
      `${helmValues}---\n${components}`,
      [],
      [apply, values],
    ],
    ['nothing found: no hint', kubelet, [], []],
    ['-o json: stderr stays empty', components, ['-o', 'json'], []],
  ])('%s', (_n, text, flags: string[], hints: string[]) => {
    const r = cli(['-', ...flags], text);
    const lines = r.stderr.split('\n').filter(Boolean);
    expect(lines.map((l) => hints.find((h) => l.startsWith(h)) ?? l)).toEqual(hints);
  });
});

describe('kubectl certs lint --apiservice-ca-file', () => {
  const apiService =
    'apiVersion: apiregistration.k8s.io/v1\nkind: APIService\nmetadata: {name: v1beta1.metrics.k8s.io}\nspec:\n  insecureSkipTLSVerify: true # installer default\n  version: v1beta1\n';
  const openssl = (args: string[]) => {
    const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
  };

  beforeAll(() => {
    openssl([
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
      '-subj',
      '/CN=metrics-server-ca',
      '-days',
      '365',
    ]);
  });

  it('--fix puts that CA (made by openssl) into spec.caBundle and turns verification on', () => {
    writeFileSync(join(dir, 'manifests/apiservice.yaml'), apiService);
    const r = cli(['manifests/apiservice.yaml', '--apiservice-ca-file', 'ca.crt', '--fix']);
    expect(r.code).toBe(0);
    const fixed = readFileSync(join(dir, 'manifests/apiservice.yaml'), 'utf8');
    const caBundle = /caBundle: (\S+)/.exec(fixed)?.[1] ?? '';
    expect(Buffer.from(caBundle, 'base64').toString()).toBe(readFileSync(join(dir, 'ca.crt'), 'utf8'));
    expect(fixed).toContain('insecureSkipTLSVerify: false # was true: installer default');
  });

  it.each([
    ['a private key', 'ca.key', /^error: --apiservice-ca-file ca.key: not a PEM CA certificate/],
    ['a missing file', 'nope.crt', /^error: --apiservice-ca-file nope.crt: no such file or directory$/],
    ['a folder', 'manifests', /^error: --apiservice-ca-file manifests: illegal operation on a directory$/],
  ])('refuses %s before touching any file (exit 2)', (_n, file, message) => {
    writeFileSync(join(dir, 'manifests/apiservice.yaml'), apiService);
    const r = cli(['manifests/apiservice.yaml', '--apiservice-ca-file', file, '--fix']);
    expect([r.code, r.stderr.trim()]).toEqual([2, expect.stringMatching(message)]);
    expect(readFileSync(join(dir, 'manifests/apiservice.yaml'), 'utf8')).toBe(apiService);
  });
});

describe('kubectl certs lint on a Helm chart folder', () => {
  const chart = new URL('../../packages/core/test/lint/fixtures/metrics-server-chart/', import.meta.url)
    .pathname;

  it.each([
    ['the default --fail-on', []],
    ['--fail-on info', ['--fail-on', 'info']],
  ])(
    'each template is one info notice (no syntax error), the values are linted, exit 0 with %s',
    (_n, flags) => {
      const r = cli([chart, ...flags]);
      expect(r.stdout.split('\n').filter(Boolean)).toEqual([
        expect.stringMatching(
          /templates\/apiservice\.yaml:1:1: info template-file Not linted: a Helm template /,
        ),
        expect.stringMatching(
          /templates\/deployment\.yaml:4:9: info template-file Not linted: a Helm template /,
        ),
      ]);
      expect([r.code, r.stderr]).toEqual([0, '']);
    },
  );

  it('--fix leaves the templates alone', () => {
    cpSync(chart, join(dir, 'chart'), { recursive: true });
    const file = join(dir, 'chart/templates/deployment.yaml');
    const before = readFileSync(file, 'utf8');
    expect(cli(['chart', '--fix'])).toMatchObject({ code: 0 });
    expect(readFileSync(file, 'utf8')).toBe(before);
  });
});

describe('kubectl certs lint: cluster-wide fixes only when asked', () => {
  const manifest = new URL('../../packages/core/test/lint/fixtures/kube-apiserver.yaml', import.meta.url)
    .pathname;
  const FLAG = '    - --kubelet-certificate-authority=/etc/kubernetes/pki/ca.crt\n';
  const copy = () => {
    writeFileSync(join(dir, 'manifests/kube-apiserver.yaml'), readFileSync(manifest, 'utf8'));
    return readFileSync(manifest, 'utf8');
  };
  const written = () => readFileSync(join(dir, 'manifests/kube-apiserver.yaml'), 'utf8');

  it('--fix leaves a kube-apiserver static Pod as it is and reports the finding it left, and why', () => {
    const before = copy();
    const r = cli(['manifests/kube-apiserver.yaml', '--fix']);
    expect(written()).toBe(before);
    expect(r.stdout).toMatch(
      /^manifests\/kube-apiserver\.yaml:\d+:\d+: info apiserver-kubelet-ca kube-apiserver runs without --kubelet-certificate-authority/,
    );
    expect(r.stderr).toMatch(
      /^manifests\/kube-apiserver\.yaml: 0 fixed, 1 left \(apiserver-kubelet-ca at \d+:\d+, a cluster-wide fix: --fix-cluster-wide applies it\)\n$/,
    );
    expect(r.code).toBe(0);
  });

  it.each([['--fix --fix-cluster-wide writes it', ['--fix', '--fix-cluster-wide']]])('%s', (_n, flags) => {
    const before = copy();
    const r = cli(['manifests/kube-apiserver.yaml', ...flags]);
    expect(written()).toBe(
      before.replace(
        '    - --tls-private-key-file=/etc/kubernetes/pki/apiserver.key\n',
        `    - --tls-private-key-file=/etc/kubernetes/pki/apiserver.key\n${FLAG}`,
      ),
    );
    expect([r.code, r.stdout]).toEqual([0, '']);
    expect(r.stderr).toMatch(
      /^manifests\/kube-apiserver\.yaml:\d+:\d+: fixed apiserver-kubelet-ca: .*\nmanifests\/kube-apiserver\.yaml: 1 fixed, 0 left\n$/,
    );
  });

  it('--diff shows it only with --fix-cluster-wide', () => {
    copy();
    expect(cli(['manifests/kube-apiserver.yaml', '--diff']).stdout).toBe('');
    expect(cli(['manifests/kube-apiserver.yaml', '--diff', '--fix-cluster-wide']).stdout).toContain(
      `+${FLAG}`,
    );
  });

  it('-o json marks the fix clusterWide', () => {
    copy();
    const doc = JSON.parse(cli(['manifests/kube-apiserver.yaml', '-o', 'json']).stdout) as {
      files: { findings: { ruleId: string; fixes: { clusterWide?: boolean }[] }[] }[];
    };
    expect(doc.files[0]?.findings.map((f) => [f.ruleId, f.fixes.map((x) => x.clusterWide)])).toEqual([
      ['apiserver-kubelet-ca', [true]],
    ]);
  });

  it('--fix-cluster-wide alone is a usage error (exit 2)', () => {
    const r = cli(['manifests', '--fix-cluster-wide']);
    expect([r.code, r.stderr.trim()]).toEqual([2, 'error: --fix-cluster-wide goes with --fix or --diff']);
  });

  it('--help says which fixes --fix applies', () => {
    const r = spawnSync(process.execPath, [BIN, 'lint', '--help'], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH, HOME: dir },
    });
    expect(r.stdout.replace(/\s+/g, ' ')).toContain(
      '--fix (and --diff) apply the preferred fix of each finding, except a fix that changes cluster-wide behaviour',
    );
    expect(r.stdout).toContain('--fix-cluster-wide');
  });
});
