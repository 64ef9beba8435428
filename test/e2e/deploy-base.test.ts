import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments, stringify } from 'yaml';
import { DEPLOY_BASE_FILE } from '../../plugin/src/approver/deploy-base.ts';
import { forServedVersions } from '../../plugin/src/approver/served-versions.ts';
import { sharedCluster } from './shared-cluster.ts';

// deploy/base as a user applies it: the real kubectl builds it with its kustomize and applies it
// (server-side) to the real API server, whose RBAC then answers what the approver's service account
// may do. The sandbox is Kubernetes 1.20: the PodDisruptionBudget goes in the version it serves
// (policy/v1beta1; policy/v1 arrived in 1.21), chosen as approver install chooses it.
const cluster = sharedCluster();
const BASE = new URL('../../deploy/base', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'kc-deploy-'));
const SA = 'system:serviceaccount:kubectl-certs:kubectl-certs-approver';

function kubectl(args: string[], input?: string): string {
  return execFileSync('kubectl', args, {
    encoding: 'utf8',
    input,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH, HOME: work, KUBECONFIG: cluster.adminKubeconfig },
  });
}

/** The API server's own answer (a SubjectAccessReview) to: may the approver's service account do this? */
function allowed(attrs: {
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  name?: string;
  namespace?: string;
}): boolean {
  const review = {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SubjectAccessReview',
    spec: {
      user: SA,
      groups: ['system:serviceaccounts', 'system:serviceaccounts:kubectl-certs', 'system:authenticated'],
      resourceAttributes: attrs,
    },
  };
  const answer = JSON.parse(kubectl(['create', '-o', 'json', '-f', '-'], JSON.stringify(review)));
  return answer.status.allowed === true;
}

type Obj = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } };
const objectsOf = (text: string) =>
  parseAllDocuments(text)
    .map((d) => d.toJS() as Obj | null)
    .filter((o): o is Obj => o !== null);
const key = (o: Obj) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;

let rendered: Obj[];
const applied = join(work, 'approver.yaml');
beforeAll(() => {
  rendered = objectsOf(kubectl(['kustomize', BASE]));
  const served = kubectl(['api-versions']).split('\n').filter(Boolean);
  writeFileSync(
    applied,
    forServedVersions(rendered, served)
      .map((o) => `---\n${stringify(o)}`)
      .join(''),
  );
  kubectl(['apply', '--server-side', '--field-manager=kubectl-certs', '-f', applied]);
}, 120_000);
afterAll(() => {
  try {
    kubectl(['delete', '--ignore-not-found', '--wait=false', '-f', applied]);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

describe('deploy/base on a real API server', () => {
  it("kubectl's kustomize renders every object of approver.yaml unchanged", () => {
    const file = objectsOf(readFileSync(DEPLOY_BASE_FILE, 'utf8'));
    expect(rendered.map(key).sort()).toEqual(file.map(key).sort());
    for (const o of file) expect(rendered.find((r) => key(r) === key(o))).toEqual(o);
  });

  it('applies server-side: the Deployment asks for two replicas of the release image', () => {
    const d = JSON.parse(
      kubectl(['get', 'deployment', '-n', 'kubectl-certs', 'kubectl-certs-approver', '-o', 'json']),
    );
    expect(d.spec.replicas).toBe(2);
    expect(d.spec.template.spec.containers[0].image).toMatch(/^ghcr\.io\/kubectl-certs\/kubectl-certs:v/);
    expect(d.spec.template.spec.serviceAccountName).toBe('kubectl-certs-approver');
  });

  const cert = 'certificates.k8s.io';
  const csrs = { group: cert, resource: 'certificatesigningrequests' };
  const signer = (name: string) => ({ verb: 'approve', group: cert, resource: 'signers', name });
  const lease = (namespace: string) => ({
    verb: 'update',
    group: 'coordination.k8s.io',
    resource: 'leases',
    namespace,
  });
  it.each<{ what: string; may: boolean; attrs: Parameters<typeof allowed>[0] }>([
    { what: 'list CSRs', may: true, attrs: { verb: 'list', ...csrs } },
    { what: 'watch CSRs', may: true, attrs: { verb: 'watch', ...csrs } },
    { what: 'update approvals', may: true, attrs: { verb: 'update', ...csrs, subresource: 'approval' } },
    {
      what: 'approve for kubernetes.io/kubelet-serving',
      may: true,
      attrs: signer('kubernetes.io/kubelet-serving'),
    },
    { what: 'watch Nodes', may: true, attrs: { verb: 'watch', group: '', resource: 'nodes' } },
    { what: 'update its Lease', may: true, attrs: lease('kubectl-certs') },
    {
      what: 'create Events in default (where Events of CSRs go)',
      may: true,
      attrs: { verb: 'create', group: '', resource: 'events', namespace: 'default' },
    },
    {
      what: 'create Events elsewhere',
      may: false,
      attrs: { verb: 'create', group: '', resource: 'events', namespace: 'kube-system' },
    },
    {
      what: 'approve for kubernetes.io/kube-apiserver-client',
      may: false,
      attrs: signer('kubernetes.io/kube-apiserver-client'),
    },
    {
      what: 'approve for kubernetes.io/kube-apiserver-client-kubelet',
      may: false,
      attrs: signer('kubernetes.io/kube-apiserver-client-kubelet'),
    },
    { what: 'delete CSRs', may: false, attrs: { verb: 'delete', ...csrs } },
    {
      what: 'write CSR status (issue certificates)',
      may: false,
      attrs: { verb: 'update', ...csrs, subresource: 'status' },
    },
    {
      what: 'read Secrets in its namespace',
      may: false,
      attrs: { verb: 'get', group: '', resource: 'secrets', namespace: 'kubectl-certs' },
    },
    {
      what: "update the metrics-server CA Secret (secure metrics-server's renewal)",
      may: true,
      attrs: {
        verb: 'update',
        group: '',
        resource: 'secrets',
        namespace: 'kubectl-certs',
        name: 'kubectl-certs-metrics-server-ca',
      },
    },
    {
      what: 'list Secrets in its namespace',
      may: false,
      attrs: { verb: 'list', group: '', resource: 'secrets', namespace: 'kubectl-certs' },
    },
    { what: 'update Leases in kube-system', may: false, attrs: lease('kube-system') },
    { what: 'update Nodes', may: false, attrs: { verb: 'update', group: '', resource: 'nodes' } },
  ])('the service account may $what: $may', ({ may, attrs }) => {
    expect(allowed(attrs)).toBe(may);
  });
});
