import { connect } from 'node:tls';
import { parseCertificate } from '@kubectl-certs/core';
import { afterAll, describe, expect, it } from 'vitest';
import { type FakeKubelet, startFakeKubelet } from '../sandbox/fake-kubelet.ts';
import { randomLoopbackIp, uniqueNodeName } from '../sandbox/node-identity.ts';
import { sharedCluster } from './shared-cluster.ts';

const cluster = sharedCluster();
const started: FakeKubelet[] = [];
afterAll(() => Promise.all(started.map((k) => k.stop())));

/** The chain a TLS client sees, without verifying it (we inspect what is served). */
function servedChain(host: string, port: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const s = connect({ host, port, rejectUnauthorized: false }, () => {
      const chain: string[] = [];
      let c = s.getPeerCertificate(true);
      while (c?.raw && !chain.includes(c.raw.toString('base64'))) {
        chain.push(c.raw.toString('base64'));
        c = c.issuerCertificate;
      }
      s.end();
      resolve(chain);
    });
    s.on('error', reject);
  });
}

describe('fake kubelet', () => {
  it('serves a kubeadm-style self-signed certificate: CN <node>@<unix time>, only a DNS SAN, and says serverTLSBootstrap false', async () => {
    const node = uniqueNodeName();
    const k = await startFakeKubelet({ node, bind: randomLoopbackIp(), workDir: cluster.dir });
    started.push(k);
    const [leaf] = await servedChain(k.host, k.port);
    const cert = parseCertificate(new Uint8Array(Buffer.from(leaf ?? '', 'base64')));
    expect(cert.subject.commonNames[0]).toMatch(new RegExp(`^${node}@\\d{10}$`));
    expect(cert.issuer.commonNames[0]).toMatch(new RegExp(`^${node}-ca@\\d{10}$`));
    expect(cert.sans).toMatchObject({ dns: [node], ip: [] });

    const res = await fetch(`https://${k.host}:${k.port}/configz`, {
      signal: AbortSignal.timeout(5000),
    }).catch((e: Error) => e);
    expect(res).toBeInstanceOf(Error); // fetch verifies TLS: the self-signed cert is refused, as metrics-server would
  });

  it('answers /healthz and /configz with its TLS settings to a client that skips verification', async () => {
    const k = await startFakeKubelet({
      node: uniqueNodeName(),
      bind: randomLoopbackIp(),
      workDir: cluster.dir,
      rotateCertificates: false,
    });
    started.push(k);
    const body = await new Promise<string>((resolve, reject) => {
      const s = connect({ host: k.host, port: k.port, rejectUnauthorized: false }, () =>
        s.write('GET /configz HTTP/1.0\r\n\r\n'),
      );
      let out = '';
      s.on('data', (d) => (out += d));
      s.on('end', () => resolve(out));
      s.on('error', reject);
    });
    const json = JSON.parse(body.slice(body.indexOf('\r\n\r\n') + 4)) as {
      kubeletconfig: Record<string, unknown>;
    };
    expect(json.kubeletconfig).toMatchObject({ serverTLSBootstrap: false, rotateCertificates: false });
  });
});
