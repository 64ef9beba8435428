import { KubeConfig } from '@kubernetes/client-node';

type RequestContext = Parameters<KubeConfig['applySecurityAuthentication']>[0];
type Dispatcher = NonNullable<ReturnType<RequestContext['getDispatcher']>>;

/**
 * client-node 2.x builds a new undici Agent for every request (applySecurityAuthentication creates
 * one each time), so every API call paid a TLS handshake and left its own keep-alive connection
 * behind: approving 5,000 CSRs held hundreds of connections and ~670 MB. This keeps the first
 * Agent of each context and hands it to every later request, so they share one connection pool.
 * (The Agent built for a request is discarded unused; it has opened no connection yet.)
 */
export class PooledKubeConfig extends KubeConfig {
  private readonly pool = new Map<string, Dispatcher>();

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    const fresh = context.getDispatcher();
    if (!fresh) return;
    const key = this.getCurrentContext();
    const shared = this.pool.get(key);
    if (!shared) {
      this.pool.set(key, fresh);
      return;
    }
    context.setDispatcher(shared);
    void fresh.close().catch(() => {});
  }
}
