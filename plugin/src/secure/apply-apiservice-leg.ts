import {
  apiServiceCertManagerEdit,
  apiServiceRbac,
  apiServiceTlsEdit,
  CA_SECRET_NAME,
  caSecret,
  certManagerObjects,
  createServingCa,
  DEFAULT_SERVING_VALIDITY,
  deploymentTlsEdit,
  issueServingCertificate,
  type MetricsServerRef,
  type PemKeyPair,
  pemBundle,
  SERVING_CA_NAME,
  type SecurePlan,
  type ServingValidity,
  servingSecret,
  servingSecretName,
  servingSecretRbac,
} from '@kubectl-certs/core';
import type { KubeConfig, KubernetesObject, V1Deployment, V1Secret } from '@kubernetes/client-node';
import { describeApiError, failedWriteOutcome } from '../kube/api-error.ts';
import { mergePatch } from '../kube/merge-patch.ts';
import { APISERVICE_LEG_FIELD_MANAGER, type DryRun, serverSideApply } from '../kube/server-side-apply.ts';
import { withTimeout } from '../kube/timeout.ts';
import { UserError } from '../user-error.ts';
import { METRICS_APISERVICE } from './gather.ts';
import type { LegResult, SavedObject } from './saved-object.ts';

export interface ApplyLegOptions {
  dryRun: DryRun;
  timeoutMs: number;
  /** The clock and lifetimes of what is issued (tests issue certificates of seconds). */
  now?: Date;
  validity?: ServingValidity | undefined;
  /** --force-conflicts: take fields another field manager owns (the container's args, say). */
  force?: boolean;
  /** The container's args as the kubelet leg leaves them, when it has not written yet (a dry run of both legs). */
  containerArgs?: string[] | undefined;
}

type Obj = KubernetesObject & Record<string, unknown>;

/**
 * The APIService leg: a serving certificate for metrics-server (from cert-manager when it is
 * installed, else from our CA, made once and kept in the approver's namespace), its Secret mounted
 * with the two flags, and the APIService verifying it. Every object is read before it is written,
 * so that a failed verification can put it back (`saved`, in the order written). With --dry-run
 * nothing is written (client: not even sent; server: the API server validates every write).
 */
export async function applyApiServiceLeg(
  kc: KubeConfig,
  plan: SecurePlan,
  o: ApplyLegOptions,
): Promise<LegResult> {
  const leg = plan.apiServiceLeg;
  if (leg.state === 'blocked')
    throw new UserError(`the APIService leg is blocked: ${leg.findings.join('; ')}`);
  const by = plan.metricsServer.managedBy;
  // Our edit would be undone at the tool's next sync: its source is where the change belongs.
  if (by)
    throw new UserError(
      `metrics-server is managed by ${by.tool} (${by.evidence}): change it in ${by.tool}'s source instead (kubectl certs secure metrics-server --print-values gives the chart values); nothing was changed`,
    );
  const result: LegResult = { leg: 'apiservice', changes: [], saved: [], objects: [], warnings: [] };
  if (leg.state === 'done') return result;
  const server = kc.getCurrentCluster()?.server ?? '?';
  const k8s = await import('@kubernetes/client-node');
  const api = k8s.KubernetesObjectApi.makeApiClient(kc);
  const now = o.now ?? new Date();
  const validity = o.validity ?? DEFAULT_SERVING_VALIDITY;

  // Whatever stops the leg once it has written carries what it saved, for the rollback: a read
  // that fails half-way (the API server gone) as much as a write.
  const leftWith = (e: Error) => Object.assign(e, { saved: result.saved });
  const read = async <T extends Obj>(object: Obj): Promise<T | undefined> => {
    const m = object.metadata ?? {};
    try {
      return (await withTimeout(
        api.read({
          apiVersion: object.apiVersion,
          kind: object.kind,
          metadata: { name: m.name ?? '', namespace: m.namespace },
        } as never),
        o.timeoutMs,
        `reading ${refOf(object)}`,
      )) as T;
    } catch (e) {
      if ((e as { code?: unknown }).code === 404) return undefined;
      throw leftWith(describeApiError(e, `reading ${refOf(object)}`, server));
    }
  };
  // Namespaces a server dry run would create: the API server cannot dry-run what goes into them
  // (it answers 404, the namespace not found), so those objects are not sent, and that is said.
  const dryNamespaces = new Set<string>();
  /** Saves the object as it is, then applies ours under kubectl-certs. */
  const write = async (object: object, change: string) => {
    const obj = object as Obj;
    const before = await read(obj);
    const words = `${before ? 'changed' : 'created'} ${refOf(obj)}: ${change}`;
    const entry = saved(obj, before, words);
    result.saved.push(entry);
    result.changes.push(words);
    const ns = obj.metadata?.namespace;
    const unsent = ns !== undefined && dryNamespaces.has(ns);
    if (unsent)
      result.warnings?.push(
        `${refOf(obj)} was not sent: its namespace ${ns} does not exist yet (a dry run creates none), so the API server cannot dry-run it`,
      );
    if (o.dryRun === 'client' || unsent) {
      result.objects?.push(obj);
      return;
    }
    if (o.dryRun === 'server' && obj.kind === 'Namespace' && !before)
      dryNamespaces.add(obj.metadata?.name ?? '');
    let stored: Obj;
    try {
      stored =
        obj.kind === 'APIService'
          ? await mergePatch(kc, obj, { dryRun: o.dryRun, timeoutMs: o.timeoutMs })
          : await serverSideApply(kc, obj, {
              dryRun: o.dryRun,
              force: o.force ?? false,
              timeoutMs: o.timeoutMs,
              ...(obj.kind === 'Deployment' ? { fieldManager: APISERVICE_LEG_FIELD_MANAGER } : {}),
            });
    } catch (e) {
      // Refused: nothing of it was stored, so there is nothing to put back or to name as left.
      if (failedWriteOutcome(e) === 'refused') {
        result.saved.pop();
        result.changes.pop();
      }
      throw leftWith(describeApiError(e, `applying ${refOf(obj)}`, server));
    }
    entry.written = 'landed';
    // A server dry run shows what the API server would store; a write, what was sent.
    result.objects?.push(o.dryRun === 'server' ? stored : obj);
  };

  const deployment = await read<V1Deployment & Obj>({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: plan.metricsServer.name, namespace: plan.metricsServer.namespace },
  });
  if (!deployment)
    throw new UserError(`Deployment ${plan.metricsServer.namespace}/${plan.metricsServer.name} is gone`);
  const containers = deployment.spec?.template.spec?.containers ?? [];
  const container = containers.find((c) => c.name === 'metrics-server') ?? containers[0];
  if (!container)
    throw new UserError(
      `Deployment ${plan.metricsServer.namespace}/${plan.metricsServer.name} has no container`,
    );
  const ms: MetricsServerRef = { ...plan.metricsServer, container: container.name };

  const certManager = leg.issuer === 'cert-manager';
  let caCert = '';
  if (certManager) {
    for (const c of certManagerObjects(ms, leg.servingNames, SERVING_CA_NAME))
      await write(c, 'cert-manager issues the serving certificate');
  } else {
    // Where gather found the approver (or its defaults): the CA is kept, and its renewal granted, there.
    if (!leg.approver) throw new Error('the plan does not say where the approver is');
    const approver = { namespace: leg.approver.namespace, name: leg.approver.serviceAccount };
    const ca = await ensureCa(read, write, approver.namespace, ms, now, validity.caMs);
    caCert = ca.cert;
    const serving = await issueServingCertificate(ca, leg.servingNames, now, validity.servingMs);
    await write(
      servingSecret(
        { namespace: ms.namespace, name: servingSecretName(ms) },
        serving,
        pemBundle([ca.cert]),
        METRICS_APISERVICE,
      ),
      `a serving certificate for ${leg.servingNames.join(', ')} from ${SERVING_CA_NAME}`,
    );
    // Where it was found, or why the defaults, the plan says once; each object names the account.
    for (const r of [...servingSecretRbac(ms, approver), ...apiServiceRbac(METRICS_APISERVICE, approver)])
      await write(r, `the approver (${approver.namespace}/${approver.name}) may renew it`);
  }
  await write(
    deploymentTlsEdit(ms, o.containerArgs ?? container.args ?? []),
    `serves ${servingSecretName(ms)} (--tls-cert-file, --tls-private-key-file, mounted read-only)`,
  );
  await write(
    certManager
      ? apiServiceCertManagerEdit(METRICS_APISERVICE, ms)
      : apiServiceTlsEdit(METRICS_APISERVICE, pemBundle([caCert])),
    certManager
      ? 'the cainjector sets caBundle; insecureSkipTLSVerify false'
      : `caBundle = ${SERVING_CA_NAME}; insecureSkipTLSVerify false`,
  );
  return result;
}

/** Our CA: the one in the CA Secret when there is one (a second --apply keeps it), else a new one. */
async function ensureCa(
  read: <T extends Obj>(o: Obj) => Promise<T | undefined>,
  write: (o: object, change: string) => Promise<void>,
  namespace: string,
  ms: MetricsServerRef,
  now: Date,
  caMs: number,
): Promise<PemKeyPair> {
  const ref: Obj = { apiVersion: 'v1', kind: 'Secret', metadata: { name: CA_SECRET_NAME, namespace } };
  const existing = await read<V1Secret & Obj>(ref);
  const data = existing?.data ?? {};
  if (data['tls.crt'] && data['tls.key'])
    return {
      cert: Buffer.from(data['tls.crt'], 'base64').toString('utf8'),
      key: Buffer.from(data['tls.key'], 'base64').toString('utf8'),
    };
  const ns: Obj = {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: namespace, labels: { 'app.kubernetes.io/part-of': 'kubectl-certs' } },
  };
  if (!(await read(ns))) await write(ns, 'where the CA is kept (the approver installs into it too)');
  const ca = await createServingCa(now, caMs);
  await write(
    caSecret(namespace, {
      ca,
      serving: { namespace: ms.namespace, name: servingSecretName(ms) },
      apiService: METRICS_APISERVICE,
    }),
    `${SERVING_CA_NAME}, new; its key readable by the approver's service account only`,
  );
  return ca;
}

const refOf = (o: KubernetesObject) =>
  `${o.kind} ${o.metadata?.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata?.name}`;

function saved(o: Obj, before: Obj | undefined, change: string): SavedObject {
  return {
    change,
    apiVersion: o.apiVersion ?? '',
    kind: o.kind ?? '',
    namespace: o.metadata?.namespace,
    name: o.metadata?.name ?? '',
    before,
    // Until the API server answers the write.
    written: 'unknown',
  };
}
