import {
  ApisApi,
  AuthorizationV1Api,
  type KubeConfig,
  type KubernetesObject,
  KubernetesObjectApi,
} from '@kubernetes/client-node';
import { UserError } from '../user-error.ts';
import type { Permission } from './access-review.ts';
import { type ApplyOptions, serverSideApply } from './server-side-apply.ts';
import { withTimeout } from './timeout.ts';

/** Where an object lives in the API: its resource (plural), group, and whether it is namespaced. */
export interface ResourceInfo {
  resource: string;
  group: string;
  namespaced: boolean;
}

/**
 * What applying a set of objects asks of the API server, as one narrow port: the real one below,
 * a fake in tests. Every call is bounded by --request-timeout.
 */
export interface ObjectClient {
  /** The API server's URL, for error messages. */
  server: string;
  /** Every group version the server serves outside the core group (GET /apis). */
  servedGroupVersions(): Promise<string[]>;
  resourceOf(o: KubernetesObject): Promise<ResourceInfo>;
  /** A SelfSubjectAccessReview: may we do this? */
  allowed(p: Permission): Promise<boolean>;
  /** The object as stored, or undefined when there is none (404). */
  read(o: KubernetesObject): Promise<KubernetesObject | undefined>;
  apply(o: KubernetesObject, options: Omit<ApplyOptions, 'timeoutMs'>): Promise<KubernetesObject>;
}

/** KubernetesObjectApi's discovery (cached per group version), which it keeps protected. */
class DiscoveringObjectApi extends KubernetesObjectApi {
  resourceOf(apiVersion: string, kind: string) {
    return this.resource(apiVersion, kind);
  }
}

export function objectClient(kc: KubeConfig, timeoutMs: number): ObjectClient {
  const objects = kc.makeApiClient(DiscoveringObjectApi);
  const what = (o: KubernetesObject) =>
    `${o.kind} ${o.metadata?.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata?.name}`;
  return {
    server: kc.getCurrentCluster()?.server ?? '?',
    async servedGroupVersions() {
      const list = await withTimeout(kc.makeApiClient(ApisApi).getAPIVersions(), timeoutMs, 'GET /apis');
      return list.groups.flatMap((g) => g.versions.map((v) => v.groupVersion));
    },
    async resourceOf(o) {
      const apiVersion = o.apiVersion ?? '';
      const r = await withTimeout(
        objects.resourceOf(apiVersion, o.kind ?? ''),
        timeoutMs,
        `discovering ${apiVersion}`,
      );
      if (!r) throw new UserError(`the API server serves no ${o.kind} in ${apiVersion}`);
      return {
        resource: r.name,
        group: apiVersion.includes('/') ? (apiVersion.split('/')[0] as string) : '',
        namespaced: r.namespaced,
      };
    },
    async allowed(p) {
      const review = await withTimeout(
        kc.makeApiClient(AuthorizationV1Api).createSelfSubjectAccessReview({
          body: {
            apiVersion: 'authorization.k8s.io/v1',
            kind: 'SelfSubjectAccessReview',
            spec: { resourceAttributes: { ...p } },
          },
        }),
        timeoutMs,
        'checking permissions',
      );
      return review.status?.allowed === true;
    },
    async read(o) {
      try {
        return await withTimeout(
          objects.read({
            apiVersion: o.apiVersion ?? '',
            kind: o.kind ?? '',
            metadata: {
              name: o.metadata?.name ?? '',
              ...(o.metadata?.namespace ? { namespace: o.metadata.namespace } : {}),
            },
          }),
          timeoutMs,
          `get ${what(o)}`,
        );
      } catch (e) {
        if ((e as { code?: number }).code === 404) return undefined;
        throw e;
      }
    },
    apply: (o, options) => serverSideApply(kc, o, { ...options, timeoutMs }),
  };
}
