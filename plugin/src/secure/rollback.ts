import { rolloutStatus } from '@kubectl-certs/core';
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { firstLine } from '../approve/report-item.ts';
import { failedWriteOutcome } from '../kube/api-error.ts';
import { FIELD_MANAGER } from '../kube/server-side-apply.ts';
import { withTimeout } from '../kube/timeout.ts';
import { waitForRollout } from './rollout.ts';
import type { SavedObject } from './saved-object.ts';

export interface RollbackResult {
  /** Objects put back as they were ("Deployment kube-system/metrics-server"). */
  restored: string[];
  /** Objects that could not be put back, each with why, and what is known of the state they are in. */
  failed: { object: string; reason: string; left: LeftState }[];
}

/**
 * as-applied: --apply's write landed and nothing of the restore did; maybe-applied: the outcome of
 * --apply's write or of the restore's is unknown (no answer in time), so it may be either;
 * restored: put back, but its rollout did not finish.
 */
export type LeftState = 'as-applied' | 'maybe-applied' | 'restored';

export const describeObject = (o: Pick<SavedObject, 'kind' | 'namespace' | 'name'>) =>
  `${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}`;

// Fields the API server owns: never sent back (the uid would fail a recreated object's precondition).
const SERVER_METADATA = [
  'managedFields',
  'resourceVersion',
  'uid',
  'generation',
  'creationTimestamp',
  'selfLink',
];
// Annotations a controller keeps for itself: the current ones stay.
const CONTROLLER_ANNOTATION = /^deployment\.kubernetes\.io\//;

/**
 * Puts back what --apply changed, newest first: an object that did not exist is deleted, any
 * other is replaced by its saved self (spec and all, read again for its resourceVersion when its
 * controller wrote it meanwhile). A restored Deployment is waited for
 * until it has rolled back out. `timeoutMs` bounds each rollout, `requestTimeoutMs` each request
 * (--timeout and --request-timeout). Never throws: what could not be restored is in `failed`, with
 * the API server's words.
 */
export async function rollback(
  kc: KubeConfig,
  saved: SavedObject[],
  timeoutMs: number,
  requestTimeoutMs = timeoutMs,
): Promise<RollbackResult> {
  const result: RollbackResult = { restored: [], failed: [] };
  for (const s of [...saved].reverse()) {
    const object = describeObject(s);
    try {
      await restoreRetryingConflicts(kc, s, requestTimeoutMs);
      // A Deployment that had not rolled out before --apply (no node could run it) is not expected to now.
      if (s.kind === 'Deployment' && s.before && hadRolledOut(s.before)) {
        const rolled = await waitForRollout(
          kc,
          { namespace: s.namespace ?? '', name: s.name },
          timeoutMs,
          requestTimeoutMs,
          () => {},
        );
        if (!rolled.ok) {
          result.failed.push({
            object,
            reason: `its rollout did not finish: ${rolled.reason}`,
            left: 'restored',
          });
          continue;
        }
      }
      result.restored.push(object);
    } catch (e) {
      // A restore that was sent but not answered may have landed as much as --apply's write.
      const sent = (e as { sent?: boolean }).sent === true && failedWriteOutcome(e) === 'unknown';
      const left = s.written === 'unknown' || sent ? 'maybe-applied' : 'as-applied';
      result.failed.push({ object, reason: firstLine(e), left });
    }
  }
  return result;
}

// Right after a change its controller writes the object too (a Deployment's status and revision
// annotation), so a replace made from an older read meets a 409: read again and replace again.
const CONFLICT_ATTEMPTS = 5;

async function restoreRetryingConflicts(kc: KubeConfig, s: SavedObject, timeoutMs: number): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await restore(kc, s, timeoutMs);
    } catch (e) {
      if ((e as { code?: number }).code !== 409 || attempt >= CONFLICT_ATTEMPTS) throw e;
    }
  }
}

async function restore(kc: KubeConfig, s: SavedObject, timeoutMs: number): Promise<void> {
  const k8s = await import('@kubernetes/client-node');
  const api = k8s.KubernetesObjectApi.makeApiClient(kc);
  const key = { apiVersion: s.apiVersion, kind: s.kind, metadata: { name: s.name, namespace: s.namespace } };
  const what = (verb: string) => `${verb} ${describeObject(s)}`;
  const current = await withTimeout(api.read(key), timeoutMs, what('reading')).catch(
    (e: { code?: number }) => {
      if (e.code === 404) return undefined;
      throw e;
    },
  );
  if (!s.before) {
    if (current) await withTimeout(api.delete(key), timeoutMs, what('deleting')).catch(sentAndFailed);
    return;
  }
  const body = withoutServerFields(s.before, current);
  await withTimeout(
    current
      ? api.replace(body, undefined, undefined, FIELD_MANAGER)
      : api.create(body, undefined, undefined, FIELD_MANAGER),
    timeoutMs,
    what('restoring'),
  ).catch(sentAndFailed);
}

/** Marks a failed restore write as sent: unless refused, it may have landed. */
function sentAndFailed(e: unknown): never {
  throw Object.assign(e as object, { sent: true });
}

function withoutServerFields(
  before: Record<string, unknown>,
  current: KubernetesObject | undefined,
): KubernetesObject {
  const { status: _status, ...rest } = before as Record<string, unknown> & { status?: unknown };
  const metadata = { ...((rest.metadata ?? {}) as Record<string, unknown>) };
  for (const f of SERVER_METADATA) delete metadata[f];
  const ours = Object.entries((metadata.annotations ?? {}) as Record<string, string>).filter(
    ([k]) => !CONTROLLER_ANNOTATION.test(k),
  );
  const theirs = Object.entries(current?.metadata?.annotations ?? {}).filter(([k]) =>
    CONTROLLER_ANNOTATION.test(k),
  );
  const annotations = Object.fromEntries([...ours, ...theirs]);
  return {
    ...rest,
    metadata: {
      ...metadata,
      ...(Object.keys(annotations).length ? { annotations } : { annotations: undefined }),
      ...(current?.metadata?.resourceVersion ? { resourceVersion: current.metadata.resourceVersion } : {}),
    },
  } as KubernetesObject;
}

/** Whether the Deployment, as it was read before the change, had rolled out (kubectl's judgement). */
function hadRolledOut(before: Record<string, unknown>): boolean {
  const d = before as {
    metadata?: { name?: string; generation?: number };
    spec?: { replicas?: number };
    status?: Record<string, unknown>;
  };
  return (
    rolloutStatus({
      name: d.metadata?.name ?? '',
      generation: d.metadata?.generation,
      replicas: d.spec?.replicas,
      status: d.status ?? {},
    }).state === 'done'
  );
}
