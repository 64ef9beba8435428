import { isDeepStrictEqual } from 'node:util';
import type { KubernetesObject } from '@kubernetes/client-node';
import { describePermission, type Permission } from '../kube/access-review.ts';
import { describeApiError } from '../kube/api-error.ts';
import { describeConflicts, fieldConflicts } from '../kube/apply-conflict.ts';
import type { ObjectClient, ResourceInfo } from '../kube/object-client.ts';
import { UserError } from '../user-error.ts';
import { forServedVersions } from './served-versions.ts';

/** What applying one object did, in kubectl apply's words. */
export type ApplyOutcome = 'created' | 'configured' | 'unchanged';

export interface AppliedObject {
  /** kubectl's name of it: `deployment.apps/NAME -n NAMESPACE`. */
  ref: string;
  outcome: ApplyOutcome;
  /**
   * False for a server dry run of an object in a namespace that the same dry run would create:
   * the API server cannot validate it before that namespace exists, so it was not sent.
   */
  validated: boolean;
}

export interface InstallOptions {
  dryRun: 'none' | 'server';
  force: boolean;
  /** One line per object, as it is applied. */
  onApplied: (a: AppliedObject) => void;
}

interface Planned {
  object: KubernetesObject;
  info: ResourceInfo;
  ref: string;
  before: KubernetesObject | undefined;
}

/**
 * Applies `objects` in order with server-side apply (field manager kubectl-certs), after checking
 * that we may: every missing permission is one line, and then nothing is applied. A failure while
 * applying stops there and says which objects were applied and which were not.
 * Returns the objects as sent (the PodDisruptionBudget in the version the server serves).
 */
export async function installObjectsWith(
  client: ObjectClient,
  objects: readonly KubernetesObject[],
  o: InstallOptions,
): Promise<{ sent: KubernetesObject[]; applied: AppliedObject[] }> {
  const nothing = (e: unknown, what: string) =>
    new UserError(`${describeApiError(e, what, client.server).message}; nothing was applied`);
  let plan: Planned[];
  try {
    const served = forServedVersions(objects, await client.servedGroupVersions());
    plan = await Promise.all(
      served.map(async (object) => {
        const info = await client.resourceOf(object);
        return { object, info, ref: refOf(object), before: undefined };
      }),
    );
  } catch (e) {
    throw nothing(e, 'reading what the API server serves');
  }
  await requireAll(
    client,
    plan.map((p) => permission('get', p)),
    nothing,
  );
  try {
    for (const p of plan) p.before = await client.read(p.object);
  } catch (e) {
    throw nothing(e, 'reading the objects already there');
  }
  await requireAll(
    client,
    // Server-side apply is a patch; where there is no object yet the API server also asks for create.
    plan.flatMap((p) => [permission('patch', p), ...(p.before ? [] : [permission('create', p, false)])]),
    nothing,
  );
  const applied: AppliedObject[] = [];
  const createdNamespaces = new Set<string>();
  for (const [i, p] of plan.entries()) {
    const namespace = p.object.metadata?.namespace;
    let a: AppliedObject;
    if (o.dryRun === 'server' && namespace && createdNamespaces.has(namespace)) {
      a = { ref: p.ref, outcome: 'created', validated: false };
    } else {
      try {
        const after = await client.apply(p.object, { dryRun: o.dryRun, force: o.force });
        a = { ref: p.ref, outcome: outcomeOf(p.before, after), validated: true };
      } catch (e) {
        throw new UserError(`${applyFailure(e, p, client.server)}; ${progress(applied, plan.slice(i))}`);
      }
    }
    if (p.object.kind === 'Namespace' && a.outcome === 'created')
      createdNamespaces.add(p.object.metadata?.name ?? '');
    applied.push(a);
    o.onApplied(a);
  }
  return { sent: plan.map((p) => p.object), applied };
}

/** kubectl's name of an object (`deployment.apps/NAME`), and its namespace as kubectl takes it. */
export function refOf(o: KubernetesObject): string {
  const group = o.apiVersion?.includes('/') ? o.apiVersion.split('/')[0] : '';
  const ns = o.metadata?.namespace ? ` -n ${o.metadata.namespace}` : '';
  return `${(o.kind ?? '').toLowerCase()}${group ? `.${group}` : ''}/${o.metadata?.name}${ns}`;
}

function permission(verb: string, p: Planned, named = true): Permission {
  return {
    verb,
    group: p.info.group,
    resource: p.info.resource,
    ...(named && p.object.metadata?.name ? { name: p.object.metadata.name } : {}),
    ...(p.info.namespaced && p.object.metadata?.namespace ? { namespace: p.object.metadata.namespace } : {}),
  };
}

async function requireAll(
  client: ObjectClient,
  perms: Permission[],
  nothing: (e: unknown, what: string) => UserError,
): Promise<void> {
  let missing: Permission[];
  try {
    const answers = await Promise.all(perms.map((p) => client.allowed(p)));
    missing = perms.filter((_, i) => !answers[i]);
  } catch (e) {
    throw nothing(e, 'checking permissions');
  }
  if (missing.length)
    throw new UserError(
      `missing permission${missing.length > 1 ? 's' : ''}: ${missing.map(describePermission).join('; ')}; nothing was applied`,
    );
}

// What the API server keeps on its own: bookkeeping of writes and of who owns what, and status.
const stripped = (o: KubernetesObject) => {
  const { resourceVersion: _r, generation: _g, managedFields: _m, ...metadata } = o.metadata ?? {};
  const { status: _s, ...rest } = o as KubernetesObject & { status?: unknown };
  return { ...rest, metadata };
};

/**
 * created when there was nothing; unchanged when the object reads the same after the apply
 * (bookkeeping and status aside; with a server dry run the resourceVersion never moves, so it
 * cannot tell); configured otherwise.
 */
export function outcomeOf(before: KubernetesObject | undefined, after: KubernetesObject): ApplyOutcome {
  if (!before) return 'created';
  return isDeepStrictEqual(stripped(before), stripped(after)) ? 'unchanged' : 'configured';
}

function applyFailure(e: unknown, p: Planned, server: string): string {
  const conflicts = fieldConflicts(e);
  if (conflicts) return `apply ${p.ref}: ${describeConflicts(conflicts)}`;
  return describeApiError(e, `apply ${p.ref}`, server).message;
}

function progress(applied: AppliedObject[], rest: Planned[]): string {
  const not = `not applied: ${rest.map((p) => p.ref).join(', ')}`;
  return applied.length === 0
    ? `nothing was applied (${not})`
    : `${applied.length} of ${applied.length + rest.length} objects applied (listed above), ${not}`;
}
