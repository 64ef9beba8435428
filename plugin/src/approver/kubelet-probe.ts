import { DEFAULT_ADDRESS_TYPES, isKubeletSelfSigned, preferredAddress } from '@kubectl-certs/core';
import type { V1Node } from '@kubernetes/client-node';
import pLimit from 'p-limit';
import { toNodeFacts } from '../kube/csr-objects.ts';
import type { Probe } from '../kube/tls-probe.ts';

export interface ProbeSettings {
  /** Time between two rounds over every node; 0 turns probing off. */
  intervalMs: number;
  /** Kubelets probed at once. */
  concurrency: number;
  timeoutMs: number;
}

export interface ProbeResults {
  selfSigned(node: string, value: boolean): void;
  unknown(node: string, error: string): void;
}

interface Target {
  address: string;
  port: number;
}

/**
 * Reads, on a schedule and a few at a time, the serving certificate each kubelet presents where
 * metrics-server dials it (InternalIP, ExternalIP, Hostname; the kubelet's port), and says whether
 * it is the kubelet's own self-signed one (core's isKubeletSelfSigned): the kubelet's TTL metric
 * reads +Inf for such a certificate, so expiry alerts stay silent about it.
 */
export class KubeletProber {
  private readonly targets = new Map<string, Target>();
  private readonly read: (host: string, port: number, timeoutMs: number) => Promise<Probe>;
  private readonly s: ProbeSettings;
  private readonly results: ProbeResults;

  constructor(
    read: (host: string, port: number, timeoutMs: number) => Promise<Probe>,
    s: ProbeSettings,
    results: ProbeResults,
  ) {
    this.read = read;
    this.s = s;
    this.results = results;
  }

  /** A Node appeared or changed; where its kubelet serves. */
  update(n: V1Node): void {
    const facts = toNodeFacts(n);
    const target = preferredAddress(facts.addresses, DEFAULT_ADDRESS_TYPES);
    if (!target) {
      this.targets.delete(facts.name);
      return;
    }
    this.targets.set(facts.name, {
      address: target.address,
      port: n.status?.daemonEndpoints?.kubeletEndpoint?.Port ?? 10250,
    });
  }

  remove(name: string): void {
    this.targets.delete(name);
  }

  /** One round over every known kubelet, `concurrency` at a time. */
  async probeAll(): Promise<void> {
    const limit = pLimit(this.s.concurrency);
    await Promise.all(
      [...this.targets].map(([node, t]) =>
        limit(async () => {
          const probe = await this.read(t.address, t.port, this.s.timeoutMs);
          if (!probe.ok) return this.results.unknown(node, probe.error);
          const [leaf] = probe.chain;
          if (leaf) this.results.selfSigned(node, isKubeletSelfSigned(leaf, probe.chain, node));
        }),
      ),
    );
  }
}
