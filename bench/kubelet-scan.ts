import { writeFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { apiCall } from '../test/sandbox/api.ts';
import { Cluster } from '../test/sandbox/cluster.ts';
import { type FakeKubelet, kubeletSelfSigned, startFakeKubelet } from '../test/sandbox/fake-kubelet.ts';
import { type Benchmark, interleavedMedians, timeCommandAsync } from './harness.ts';

const KUBELETS = 1000;
const RUNS = 3;

/**
 * check-expiration in cluster mode over 1,000 kubelet endpoints (fake kubelets served by this
 * process on 1,000 ports) against a shell loop of openssl s_client over the same endpoints.
 */
export const kubeletScan: Benchmark = {
  name: 'kubelet-scan',
  title: 'Reading 1,000 kubelet serving certificates (check-expiration cluster mode)',
  async run(log) {
    const cluster = await Cluster.start();
    const kubelets: FakeKubelet[] = [];
    try {
      const serving = kubeletSelfSigned(join(cluster.dir, 'kubelet'), 'bench');
      log(`starting ${KUBELETS} kubelet endpoints and registering their Nodes`);
      for (let i = 0; i < KUBELETS; i++) {
        const k = await startFakeKubelet({
          node: `bench-${i}`,
          bind: '127.0.0.1',
          workDir: cluster.dir,
          serving,
        });
        kubelets.push(k);
        await apiCall(cluster.admin, 'POST', '/api/v1/nodes', {
          apiVersion: 'v1',
          kind: 'Node',
          metadata: { name: k.node },
        });
        await apiCall(
          cluster.admin,
          'PATCH',
          `/api/v1/nodes/${k.node}/status`,
          {
            status: {
              addresses: [{ type: 'InternalIP', address: '127.0.0.1' }],
              daemonEndpoints: { kubeletEndpoint: { Port: k.port } },
            },
          },
          'application/merge-patch+json',
        );
      }
      const endpoints = join(cluster.dir, 'endpoints.txt');
      writeFileSync(endpoints, kubelets.map((k) => `127.0.0.1:${k.port}`).join('\n'));
      const loop = `while read ep; do openssl s_client -connect "$ep" </dev/null 2>/dev/null | openssl x509 -noout -enddate >/dev/null; done < ${endpoints}`;
      const env = {
        ...process.env,
        KUBECONFIG: cluster.adminKubeconfig,
        PATH: [dirname(process.execPath), process.env.PATH].join(delimiter),
      };
      const cli = new URL('../plugin/bin/kubectl-certs.js', import.meta.url).pathname;
      log(`timing ${RUNS} runs of each, interleaved`);
      const [ours, peer] = (await interleavedMedians(
        [
          () => timeCommandAsync(process.execPath, [cli, 'check-expiration', '-o', 'json'], env),
          () => timeCommandAsync('bash', ['-c', loop], env),
        ],
        RUNS,
        1,
      )) as [number, number];
      return [
        {
          what: '`check-expiration` (cluster mode), 1,000 kubelets',
          figure: ours / 1000,
          peer: '`openssl s_client` loop over the same endpoints',
          peerFigure: peer / 1000,
          unit: 's',
          target: '<= 0.1x and < 5 s',
        },
      ];
    } finally {
      await Promise.all(kubelets.map((k) => k.stop()));
      await cluster.stop();
    }
  },
};
