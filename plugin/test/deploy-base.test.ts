import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import pjson from '../package.json' with { type: 'json' };
import { DEPLOY_BASE_FILE, deployBaseYaml } from '../src/approver/deploy-base.ts';
import { defaultInstallSettings, installObjects } from '../src/approver/install-objects.ts';

const objects = installObjects(defaultInstallSettings(pjson.version)) as {
  kind: string;
  spec?: { template?: { spec: PodSpec } };
}[];

interface Container {
  name: string;
  securityContext?: {
    allowPrivilegeEscalation?: boolean;
    privileged?: boolean;
    runAsNonRoot?: boolean;
    runAsUser?: number;
    readOnlyRootFilesystem?: boolean;
    capabilities?: { drop?: string[]; add?: string[] };
    seccompProfile?: { type: string };
  };
  ports?: { hostPort?: number }[];
}
interface PodSpec {
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  securityContext?: Container['securityContext'];
  containers: Container[];
  volumes?: Record<string, unknown>[];
}

describe('deploy/base', () => {
  it('is exactly what `approver install` applies (regenerate with scripts/run deploy:generate)', () => {
    expect(readFileSync(DEPLOY_BASE_FILE, 'utf8')).toBe(deployBaseYaml());
  });

  it('parses as one object per document', () => {
    const docs = parseAllDocuments(readFileSync(DEPLOY_BASE_FILE, 'utf8'));
    expect(Array.isArray(docs) && docs.every((d) => d.errors.length === 0)).toBe(true);
    expect((docs as { toJS(): unknown }[]).map((d) => d.toJS())).toEqual(objects);
  });

  it('has the objects the issue lists, the namespace first', () => {
    expect(objects.map((o) => o.kind)).toEqual([
      'Namespace',
      'ServiceAccount',
      'ClusterRole',
      'ClusterRoleBinding',
      'Role',
      'RoleBinding',
      'Role',
      'RoleBinding',
      'Role',
      'RoleBinding',
      'Deployment',
      'PodDisruptionBudget',
      'Service',
    ]);
  });
});

// The `restricted` Pod Security Standard (kubernetes.io/docs/concepts/security/pod-security-standards),
// control by control. The sandbox's API server (1.20) predates the PodSecurity admission plugin
// (1.23), so its controls are checked here; the namespace label enforces them on a current cluster.
const pod = objects.find((o) => o.kind === 'Deployment')?.spec?.template?.spec as PodSpec;
const effective = (c: Container) => ({ ...pod.securityContext, ...c.securityContext });
const ALLOWED_VOLUMES = [
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'persistentVolumeClaim',
  'projected',
  'secret',
];

describe('the approver pod passes the restricted Pod Security Standard', () => {
  it.each<[string, (c: Container) => boolean]>([
    [
      'privilege escalation is off in every container',
      (c) => effective(c).allowPrivilegeEscalation === false,
    ],
    ['no container is privileged', (c) => effective(c).privileged !== true],
    [
      'every container runs as non-root',
      (c) => effective(c).runAsNonRoot === true && effective(c).runAsUser !== 0,
    ],
    [
      'every container drops ALL capabilities and adds none but NET_BIND_SERVICE',
      (c) =>
        (effective(c).capabilities?.drop ?? []).includes('ALL') &&
        (effective(c).capabilities?.add ?? []).every((a) => a === 'NET_BIND_SERVICE'),
    ],
    [
      'the seccomp profile is RuntimeDefault or Localhost',
      (c) => ['RuntimeDefault', 'Localhost'].includes(effective(c).seccompProfile?.type ?? ''),
    ],
    ['no container uses a host port', (c) => (c.ports ?? []).every((p) => !p.hostPort)],
    [
      'the root filesystem is read-only (beyond restricted: the image needs no writes)',
      (c) => effective(c).readOnlyRootFilesystem === true,
    ],
  ])('%s', (_control, holds) => {
    expect(pod.containers.length).toBeGreaterThan(0);
    for (const c of pod.containers) expect(holds(c), c.name).toBe(true);
  });

  it('shares no host namespace', () => {
    expect([pod.hostNetwork, pod.hostPID, pod.hostIPC].filter(Boolean)).toEqual([]);
  });

  it('uses only the volume types restricted allows', () => {
    for (const v of pod.volumes ?? [])
      expect(
        Object.keys(v)
          .filter((k) => k !== 'name')
          .every((k) => ALLOWED_VOLUMES.includes(k)),
      ).toBe(true);
  });
});
