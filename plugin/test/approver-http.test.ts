import { Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { serveHttp, splitAddress } from '../src/approver/http-server.ts';
import { ApproverMetrics } from '../src/approver/metrics.ts';

let notReady: string | undefined = 'not synced: the first list of CSRs is not done';
const metrics = new ApproverMetrics();
const server = await serveHttp('127.0.0.1:0', metrics.registry, { notReady: () => notReady });
afterAll(() => server.close());

const get = async (path: string) => {
  const res = await fetch(`${server.url}${path}`);
  return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
};

describe("the approver's HTTP endpoints", () => {
  it('/readyz is 503 with the reason until ready, then 200 ok; /healthz is 200 ok throughout', async () => {
    expect(await get('/readyz')).toMatchObject({
      status: 503,
      body: 'not synced: the first list of CSRs is not done',
    });
    expect(await get('/healthz')).toMatchObject({ status: 200, body: 'ok' });
    notReady = undefined;
    expect(await get('/readyz')).toMatchObject({ status: 200, body: 'ok' });
  });

  it('/metrics is the Prometheus text format with every metric, leader 0 before any election', async () => {
    const m = await get('/metrics');
    expect(m.status).toBe(200);
    expect(m.type).toBe(new Registry().contentType);
    expect(m.body).toContain('\nkubectl_certs_approver_leader 0\n');
    for (const name of [
      'kubectl_certs_approver_decisions_total counter',
      'kubectl_certs_approver_pending_csrs gauge',
      'kubectl_certs_approver_decision_duration_seconds histogram',
      'kubectl_certs_approver_api_errors_total counter',
    ])
      expect(m.body).toContain(`# TYPE ${name}`);
  });

  it('anything else is 404 naming the endpoints', async () => {
    expect(await get('/')).toMatchObject({
      status: 404,
      body: 'not found: try /metrics, /healthz or /readyz',
    });
  });

  it.each([
    [':8080', { host: undefined, port: 8080 }],
    ['127.0.0.1:0', { host: '127.0.0.1', port: 0 }],
    ['[::1]:9090', { host: '::1', port: 9090 }],
  ])('--bind-address %s', (address, expected) => {
    expect(splitAddress(address)).toEqual(expected);
  });
});
