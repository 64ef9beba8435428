import { VersionApi } from '@kubernetes/client-node';
import { describeApiError } from './api-error.ts';
import { type KubeconfigFlags, loadKubeConfig } from './kubeconfig.ts';
import { withTimeout } from './timeout.ts';

export async function serverVersion(
  flags: KubeconfigFlags & { timeoutMs: number },
): Promise<{ gitVersion: string; platform: string }> {
  const { kc } = loadKubeConfig(flags);
  const server = kc.getCurrentCluster()?.server ?? '?';
  try {
    const info = await withTimeout(
      kc.makeApiClient(VersionApi).getCode(),
      flags.timeoutMs,
      `GET ${server}/version`,
    );
    return { gitVersion: info.gitVersion, platform: info.platform };
  } catch (e) {
    throw describeApiError(e, 'cannot get the server version', server);
  }
}
