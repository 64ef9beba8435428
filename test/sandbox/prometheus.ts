import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { PROMETHEUS } from '../e2e/monitoring-tools.ts';
import type { Cluster } from './cluster.ts';
import { startProcess, waitFor } from './processes.ts';

export interface PrometheusServer {
  url: string;
  /** An instant query through Prometheus' HTTP API: each series' labels and value. */
  query(promql: string): Promise<{ metric: Record<string, string>; value: number }[]>;
}

/** A free loopback port (bound, then released for the server to take). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/**
 * Debian's Prometheus, started as one of the sandbox's processes (stopped with it), scraping
 * `targets` (host:port) every second on loopback.
 */
export async function startPrometheus(
  cluster: Cluster,
  name: string,
  targets: string[],
): Promise<PrometheusServer> {
  const dir = join(cluster.dir, name);
  mkdirSync(join(dir, 'data'), { recursive: true });
  const config = join(dir, 'prometheus.yml');
  writeFileSync(
    config,
    [
      'global:',
      '  scrape_interval: 1s',
      '  evaluation_interval: 1s',
      'scrape_configs:',
      '  - job_name: kubectl-certs-approver',
      `    static_configs: [{ targets: [${targets.map((t) => `"${t}"`).join(', ')}] }]`,
      '',
    ].join('\n'),
  );
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = startProcess(cluster.dir, name, PROMETHEUS, [
    `--config.file=${config}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
  ]);
  await waitFor(name, async () => (await fetch(`${url}/-/ready`)).ok, {
    timeoutMs: 30_000,
    child,
    logFile: join(cluster.dir, 'logs', `${name}.log`),
  });
  return {
    url,
    query: async (promql) => {
      const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`);
      const body = (await res.json()) as {
        status: string;
        data: { result: { metric: Record<string, string>; value: [number, string] }[] };
      };
      if (body.status !== 'success') throw new Error(`${promql}: ${JSON.stringify(body)}`);
      return body.data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
    },
  };
}
