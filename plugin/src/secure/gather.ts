import {
  type ApiServiceSummary,
  chooseMetricsServer,
  METRICS_SERVER_SELECTORS,
  type MetricsApiAnswer,
  type SecureInputs,
  type WorkloadSummary,
} from '@kubectl-certs/core';
import {
  ApiregistrationV1Api,
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  dumpYaml,
  type KubeConfig,
  type V1Deployment,
} from '@kubernetes/client-node';
import { parse, stringify } from 'yaml';
import pjson from '../../package.json' with { type: 'json' };
import { defaultInstallSettings } from '../approver/install-objects.ts';
import { describeApiError, httpCode } from '../kube/api-error.ts';
import { withTimeout } from '../kube/timeout.ts';
import { UserError } from '../user-error.ts';
import { readCertManagerFacts } from './cert-manager-facts.ts';
import { APPROVER_SELECTOR, type ApproverWanted, findApprover } from './find-approver.ts';

export const METRICS_APISERVICE = 'v1beta1.metrics.k8s.io';

/** What the plan is computed from that is read from the cluster (nothing is written). */
export type SecureInput = Pick<
  SecureInputs,
  | 'workload'
  | 'deploymentYaml'
  | 'args'
  | 'apiService'
  | 'certManager'
  | 'kubeadmKubeletConfigMap'
  | 'metricsApi'
  | 'approver'
>;

export interface FindSettings {
  namespace?: string | undefined;
  name?: string | undefined;
  selector?: string | undefined;
  /** --approver-namespace, --approver-name. */
  approver?: ApproverWanted | undefined;
  timeoutMs: number;
}

/** Reads every object the plan needs. Errors name the request that failed, in the server's words. */
export async function gatherSecureInput(kc: KubeConfig, s: FindSettings): Promise<SecureInput> {
  const server = kc.getCurrentCluster()?.server ?? '?';
  const apps = kc.makeApiClient(AppsV1Api);
  // A 404 stays as it is for the reads where absence is an answer (absentOn404).
  const t = <T>(p: Promise<T>, what: string) =>
    withTimeout(p, s.timeoutMs, what).catch((e: unknown) => {
      throw httpCode(e) === 404 ? e : describeApiError(e, what, server);
    });
  const deployments = await findDeployments(apps, s, t);
  const choice = chooseMetricsServer(deployments.map(summarize), { namespace: s.namespace, name: s.name });
  if (!choice.ok) throw new UserError(choice.reason);
  const d = deployments.find(
    (x) => x.metadata?.namespace === choice.workload.namespace && x.metadata?.name === choice.workload.name,
  ) as V1Deployment;
  const containers = d.spec?.template.spec?.containers ?? [];
  const ms = containers.find((c) => c.name === 'metrics-server') ?? containers[0];
  const apiService = await readApiService(kc, t);
  return {
    workload: choice.workload,
    deploymentYaml: manifestYaml(d),
    args: [...(ms?.command ?? []), ...(ms?.args ?? [])],
    apiService,
    certManager: await readCertManagerFacts(kc, s.timeoutMs),
    kubeadmKubeletConfigMap: await kubeadmConfigMap(kc.makeApiClient(CoreV1Api), t),
    metricsApi: apiService ? await readMetricsApi(kc, s.timeoutMs) : undefined,
    approver: await findApprover(
      (labelSelector, namespace) =>
        t(
          namespace
            ? apps.listNamespacedDeployment({ namespace, labelSelector })
            : apps.listDeploymentForAllNamespaces({ labelSelector }),
          `looking for the approver (Deployments labelled ${APPROVER_SELECTOR}; --approver-namespace names its namespace)`,
        ).then((r) => r.items),
      s.approver ?? {},
      defaultInstallSettings(pjson.version),
    ),
  };
}

type Timed = <T>(p: Promise<T>, what: string) => Promise<T>;

async function findDeployments(apps: AppsV1Api, s: FindSettings, t: Timed): Promise<V1Deployment[]> {
  const list = (labelSelector?: string, fieldSelector?: string) =>
    t(
      s.namespace
        ? apps.listNamespacedDeployment({ namespace: s.namespace, labelSelector, fieldSelector })
        : apps.listDeploymentForAllNamespaces({ labelSelector, fieldSelector }),
      `listing Deployments${s.namespace ? ` in ${s.namespace}` : ''}`,
    ).then((r) => r.items);
  if (s.name) return list(s.selector, `metadata.name=${s.name}`);
  if (s.selector) return list(s.selector);
  return (await Promise.all(METRICS_SERVER_SELECTORS.map((sel) => list(sel)))).flat();
}

function summarize(d: V1Deployment): WorkloadSummary {
  return {
    namespace: d.metadata?.namespace ?? '',
    name: d.metadata?.name ?? '',
    labels: d.metadata?.labels ?? {},
    annotations: d.metadata?.annotations ?? {},
    managers: (d.metadata?.managedFields ?? []).map((f) => f.manager ?? ''),
  };
}

/** The Deployment's own spec, without what the server sets (the part a user could have written). */
function manifestYaml(d: V1Deployment): string {
  // List items come without apiVersion and kind; client-node's serializer needs them for the wire form.
  const wire = parse(dumpYaml({ ...d, apiVersion: 'apps/v1', kind: 'Deployment' })) as {
    metadata: Record<string, unknown> & { annotations?: Record<string, string> };
    status?: unknown;
  };
  const { managedFields, resourceVersion, uid, generation, creationTimestamp, selfLink, ...metadata } =
    wire.metadata;
  const annotations = Object.fromEntries(
    Object.entries(metadata.annotations ?? {}).filter(
      ([k]) =>
        k !== 'deployment.kubernetes.io/revision' && k !== 'kubectl.kubernetes.io/last-applied-configuration',
    ),
  );
  const { status, ...rest } = wire;
  const clean = {
    ...rest,
    metadata: { ...metadata, annotations: Object.keys(annotations).length ? annotations : undefined },
  };
  return stringify(JSON.parse(JSON.stringify(clean)));
}

async function readApiService(kc: KubeConfig, t: Timed): Promise<ApiServiceSummary | undefined> {
  const a = await absentOn404(() =>
    t(
      kc.makeApiClient(ApiregistrationV1Api).readAPIService({ name: METRICS_APISERVICE }),
      `reading APIService ${METRICS_APISERVICE}`,
    ),
  );
  if (!a) return undefined;
  const svc = a.spec?.service;
  return {
    name: METRICS_APISERVICE,
    insecureSkipTLSVerify: a.spec?.insecureSkipTLSVerify === true,
    caBundle: a.spec?.caBundle,
    service: svc ? { namespace: svc.namespace ?? '', name: svc.name ?? '' } : undefined,
  };
}

/** The read's result, or undefined on 404; any other failure is thrown (trouble is not absence). */
async function absentOn404<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (e) {
    if (httpCode(e) === 404) return undefined;
    throw e;
  }
}

/**
 * The node metrics through the API server, as kubectl top asks for them: the aggregator's own
 * words when it cannot reach or verify metrics-server (its errors are plain text, kept whole).
 */
export async function readMetricsApi(kc: KubeConfig, timeoutMs: number): Promise<MetricsApiAnswer> {
  try {
    const list = (await withTimeout(
      kc
        .makeApiClient(CustomObjectsApi)
        .listClusterCustomObject({ group: 'metrics.k8s.io', version: 'v1beta1', plural: 'nodes' }),
      timeoutMs,
      'GET /apis/metrics.k8s.io/v1beta1/nodes',
    )) as { items?: { metadata?: { name?: string } }[] };
    return { ok: true, nodes: (list.items ?? []).map((i) => i.metadata?.name ?? '') };
  } catch (e) {
    const code = httpCode(e);
    const body = (e as { body?: unknown }).body;
    const text =
      typeof body === 'string' ? body : ((body as { message?: string } | undefined)?.message ?? '');
    return {
      ok: false,
      error: code
        ? `HTTP ${code}${text.trim() ? `: ${statusMessage(text.trim())}` : ''}`
        : ((e as Error).message.split('\n')[0] ?? 'failed'),
    };
  }
}

/** A Status body's message, or the text itself (the aggregator answers in plain text). */
function statusMessage(text: string): string {
  try {
    return (JSON.parse(text) as { message?: string }).message ?? text;
  } catch {
    return text;
  }
}

/** kubeadm's kubelet-config ConfigMap (kubelet-config-1.x before Kubernetes 1.24). */
async function kubeadmConfigMap(core: CoreV1Api, t: Timed): Promise<string | undefined> {
  const cms = await t(
    core.listNamespacedConfigMap({ namespace: 'kube-system' }),
    'listing ConfigMaps in kube-system',
  );
  const names = cms.items.map((c) => c.metadata?.name ?? '');
  return names.find((n) => n === 'kubelet-config') ?? names.find((n) => /^kubelet-config-\d+\.\d+$/.test(n));
}
