// Builds the multi-root workspace the integration tests open: the project's example manifests,
// APIServices whose caBundle holds a CA made here by openssl, a CA file and a private key for the
// insert command, and a second folder with its own settings. Run by the code-server test
// (vitest) and by the desktop runner (run-electron.ts) alike.
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TestFixtures {
  /** File names under manifests/examples (copies of docs/examples). */
  examples: string[];
  /** The CA inside manifests/ca/apiservice-with-ca.yaml, as openssl describes it. */
  ca: { subject: string; issuer: string; sha256: string; days: number };
  /** The mount path the strict folder's settings choose for the kubelet CA. */
  strictMountPath: string;
}

export const WORKSPACE_FILE = 'kubectl-certs-tests.code-workspace';
const EXAMPLES = new URL('../../docs/examples/', import.meta.url).pathname;
/** Core's test fixtures: kubectl's List output, the metrics-server chart, a kube-apiserver static Pod. */
const CORE_FIXTURES = new URL('../../packages/core/test/lint/fixtures/', import.meta.url).pathname;

const apiService = (spec: string) => `# the metrics API, registered with the aggregation layer
apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata:
  name: v1beta1.metrics.k8s.io
spec:
  group: metrics.k8s.io
  groupPriorityMinimum: 100
${spec}  service:
    name: metrics-server # the Service in front of metrics-server
    namespace: kube-system
  version: v1beta1
  versionPriority: 100
`;

/** Writes the workspace into `root` (an empty folder); returns the .code-workspace path. */
export function makeTestWorkspace(root: string): string {
  const manifests = join(root, 'manifests');
  const strict = join(root, 'strict');
  for (const d of [join(manifests, 'examples'), join(manifests, 'ca'), join(strict, '.vscode')])
    mkdirSync(d, { recursive: true });

  const examples = readdirSync(EXAMPLES)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort();
  for (const f of examples) copyFileSync(join(EXAMPLES, f), join(manifests, 'examples', f));
  writeFileSync(join(manifests, 'not-kubernetes.yaml'), '# just YAML\nname: demo\nitems: [1, 2]\n');
  // A KubeletConfiguration that ends without a line break, in both line-ending styles: the fix
  // inserts after its last line.
  const kubelet =
    'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nevictionHard:\n  memory.available: 1Gi';
  writeFileSync(join(manifests, 'kubelet-no-final-newline.yaml'), kubelet);
  writeFileSync(join(manifests, 'kubelet-no-final-newline-crlf.yaml'), kubelet.replaceAll('\n', '\r\n'));
  writeFileSync(
    join(manifests, 'broken.yaml'),
    'apiVersion: v1\nkind: ConfigMap\ndata:\n  a: "1"\n b: "2"\n',
  );

  // File shapes: what kubectl get -o yaml prints, a Helm chart's templates, a static Pod manifest.
  const shapes = join(manifests, 'shapes');
  mkdirSync(shapes);
  for (const f of ['kubectl-get-deploy.yaml', 'kube-apiserver.yaml'])
    copyFileSync(join(CORE_FIXTURES, f), join(shapes, f));
  cpSync(join(CORE_FIXTURES, 'metrics-server-chart'), join(manifests, 'metrics-server-chart'), {
    recursive: true,
  });
  copyFileSync(join(CORE_FIXTURES, 'kubeadm-config.v1beta3.yaml.j2'), join(shapes, 'kubeadm-config.yaml'));

  const ca = join(manifests, 'ca');
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: ca, stdio: 'pipe' }).toString();
  const makeCa = (name: string, subject: string, days: number) => {
    openssl(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.pem`,
      '-subj',
      subject,
      '-days',
      String(days),
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    );
    return readFileSync(join(ca, `${name}.pem`), 'utf8');
  };
  // openssl counts days from now, so a CA made for 214 days has 213 whole days left when the test reads it.
  const served = makeCa('served-ca', '/O=kubectl-certs tests/CN=metrics-server-ca', 214);
  const expiring = makeCa('expiring-ca', '/CN=expiring-ca', 11);
  makeCa('metrics-ca', '/CN=new-metrics-ca', 365);
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  writeFileSync(join(ca, 'apiservice-with-ca.yaml'), apiService(`  caBundle: ${b64(served)}\n`));
  writeFileSync(join(ca, 'apiservice-expiring.yaml'), apiService(`  caBundle: ${b64(expiring)}\n`));
  writeFileSync(
    join(ca, 'apiservice-unreadable.yaml'),
    apiService(`  caBundle: ${b64('not a certificate')}\n`),
  );
  writeFileSync(
    join(ca, 'apiservice-insecure.yaml'),
    apiService('  insecureSkipTLSVerify: true # until metrics-server has a CA-signed certificate\n'),
  );
  const fingerprint = openssl('x509', '-in', 'served-ca.pem', '-noout', '-fingerprint', '-sha256');

  copyFileSync(join(EXAMPLES, 'components.yaml'), join(strict, 'components.yaml'));
  const strictMountPath = '/etc/metrics-server/kubelet-ca';
  writeFileSync(
    join(strict, '.vscode', 'settings.json'),
    JSON.stringify(
      {
        'kubectlCerts.rules': { 'insecure-kubelet-tls': 'error', 'apiservice-insecure': 'off' },
        'kubectlCerts.kubeletCaMountPath': strictMountPath,
      },
      null,
      2,
    ),
  );

  const fixtures: TestFixtures = {
    examples,
    ca: {
      subject: 'O=kubectl-certs tests, CN=metrics-server-ca',
      issuer: 'O=kubectl-certs tests, CN=metrics-server-ca',
      sha256: fingerprint.trim().replace(/^.*=/, ''),
      days: 213,
    },
    strictMountPath,
  };
  writeFileSync(join(root, 'fixtures.json'), JSON.stringify(fixtures, null, 2));
  const workspace = join(root, WORKSPACE_FILE);
  writeFileSync(
    workspace,
    JSON.stringify({ folders: [{ path: 'manifests' }, { path: 'strict' }], settings: {} }, null, 2),
  );
  return workspace;
}
