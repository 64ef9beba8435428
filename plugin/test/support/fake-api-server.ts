import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { KubeConfig } from '@kubernetes/client-node';
import { serveLocally } from './local-api.ts';

type Obj = { apiVersion?: string; kind?: string; metadata?: Record<string, unknown> } & Record<
  string,
  unknown
>;

// The resources the fake serves, by group version: enough for client-node's KubernetesObjectApi.
const RESOURCES: Record<string, [name: string, kind: string, namespaced: boolean][]> = {
  v1: [
    ['namespaces', 'Namespace', false],
    ['secrets', 'Secret', true],
  ],
  'apps/v1': [['deployments', 'Deployment', true]],
  'rbac.authorization.k8s.io/v1': [
    ['roles', 'Role', true],
    ['rolebindings', 'RoleBinding', true],
    ['clusterroles', 'ClusterRole', false],
    ['clusterrolebindings', 'ClusterRoleBinding', false],
  ],
  'apiregistration.k8s.io/v1': [['apiservices', 'APIService', false]],
  'apiextensions.k8s.io/v1': [['customresourcedefinitions', 'CustomResourceDefinition', false]],
  'coordination.k8s.io/v1': [['leases', 'Lease', true]],
};

const discoveryPath = (gv: string) => (gv === 'v1' ? '/api/v1' : `/apis/${gv}`);

/** Where an object lives: /api/v1/namespaces/kube-system/secrets/x. */
export function objectPath(o: Obj): string {
  const gv = o.apiVersion ?? '';
  const [resource, , namespaced] = RESOURCES[gv]?.find(([, kind]) => kind === o.kind) ?? [];
  if (!resource) throw new Error(`the fake API server does not serve ${gv} ${o.kind}`);
  const ns = namespaced ? `/namespaces/${o.metadata?.namespace}` : '';
  return `${discoveryPath(gv)}${ns}/${resource}/${o.metadata?.name}`;
}

const status = (code: number, message: string) => ({
  kind: 'Status',
  apiVersion: 'v1',
  status: 'Failure',
  message,
  code,
});

/**
 * A small API server over plain HTTP for the code that writes through a KubeConfig (secure
 * --apply): discovery, read, server-side apply and merge patch (fields merged at the top level;
 * `dryRun=All` answers what it would store and stores nothing), replace, delete, and a
 * SelfSubjectAccessReview that allows everything; a namespaced write into a namespace it does not
 * hold is refused as the real one refuses it. `answer` may stall a request (never answer it:
 * the API server unreachable) or answer it with a Status of its own.
 */
export class FakeApiServer {
  readonly objects = new Map<string, Obj>();
  /** Every request, as "METHOD path" (without the query). */
  readonly requests: string[] = [];
  answer: (method: string, path: string) => 'stall' | { code: number; message: string } | undefined = () =>
    undefined;
  private server = createServer((req, res) => void this.handle(req, res));
  private version = 1;

  private stopServer: (() => Promise<void>) | undefined;

  async start(): Promise<KubeConfig> {
    const { kc, stop } = await serveLocally(this.server);
    this.stopServer = stop;
    return kc;
  }

  stop(): Promise<void> {
    return this.stopServer?.() ?? Promise.resolve();
  }

  put(o: Obj): void {
    this.objects.set(objectPath(o), this.stored(o, undefined));
  }

  get(o: Obj): Obj | undefined {
    return this.objects.get(objectPath(o));
  }

  private stored(o: Obj, current: Obj | undefined): Obj {
    const metadata = { ...current?.metadata, ...o.metadata };
    return {
      ...current,
      ...o,
      metadata: {
        ...metadata,
        uid: current?.metadata?.uid ?? randomUUID(),
        resourceVersion: String(this.version++),
      },
    };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const path = url.pathname;
    this.requests.push(`${req.method} ${path}`);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const send = (code: number, body: unknown) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const fault = this.answer(req.method ?? '', path);
    if (fault === 'stall') return;
    if (fault) return send(fault.code, status(fault.code, fault.message));
    const gv = Object.keys(RESOURCES).find((k) => discoveryPath(k) === path);
    if (gv)
      return send(200, {
        kind: 'APIResourceList',
        groupVersion: gv,
        resources: (RESOURCES[gv] ?? []).map(([name, kind, namespaced]) => ({
          name,
          kind,
          namespaced,
          verbs: [],
        })),
      });
    if (req.method === 'POST' && path.endsWith('/selfsubjectaccessreviews'))
      return send(201, { ...JSON.parse(Buffer.concat(chunks).toString()), status: { allowed: true } });
    const current = this.objects.get(path);
    const notFound = () => send(404, status(404, `${path.split('/').at(-1)} not found`));
    // As the NamespaceLifecycle admission plugin: nothing is written (or dry-run) into a namespace that does not exist.
    const ns = path.match(/\/namespaces\/([^/]+)\/[^/]+\/[^/]+$/)?.[1];
    if (
      ns &&
      req.method !== 'GET' &&
      req.method !== 'DELETE' &&
      !this.objects.has(`/api/v1/namespaces/${ns}`)
    )
      return send(404, status(404, `namespaces "${ns}" not found`));
    switch (req.method) {
      case 'GET':
        return current ? send(200, current) : notFound();
      case 'DELETE':
        if (!current) return notFound();
        this.objects.delete(path);
        return send(200, current);
      case 'PUT':
      case 'PATCH': {
        if (req.method === 'PUT' && !current) return notFound();
        const next = this.stored(JSON.parse(Buffer.concat(chunks).toString()) as Obj, current);
        if (url.searchParams.get('dryRun') !== 'All') this.objects.set(path, next);
        return send(current ? 200 : 201, next);
      }
      case 'POST': {
        const body = JSON.parse(Buffer.concat(chunks).toString()) as Obj;
        const next = this.stored(body, undefined);
        this.objects.set(objectPath(next), next);
        return send(201, next);
      }
    }
    send(405, status(405, 'method not allowed'));
  }
}
