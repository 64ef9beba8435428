import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { removeContainers } from './containerd.ts';
import { unmountUnder } from './mounts.ts';
import { deleteNodeNetwork } from './node-network.ts';
import { killTrackedSync, stopTracked } from './processes.ts';

/**
 * Removes everything a real node made, in the order it can be removed: its processes by PID
 * (kubelet, then containerd), its containers and their shims, every mount under its folder
 * (deepest first), then its namespace and veths. Safe to run twice, and on a node folder that
 * has none of these (a fake node's identity).
 */
export async function teardownNode(nodeDir: string, graceMs = 10_000): Promise<void> {
  await stopTracked(nodeDir, graceMs);
  await removeContainers(nodeDir);
  unmountUnder(nodeDir);
  deleteNodeNetwork(nodeDir);
}

/** A whole sandbox: every node (each tracks its own processes), then the control plane. */
export async function teardownSandbox(dir: string, graceMs = 10_000): Promise<void> {
  const nodes = join(dir, 'nodes');
  for (const n of existsSync(nodes) ? readdirSync(nodes) : []) await teardownNode(join(nodes, n), graceMs);
  await stopTracked(dir, graceMs);
  unmountUnder(dir);
}

/**
 * The synchronous last resort at process exit: SIGKILL every node's processes and the control
 * plane. Namespaces, mounts and containers are left for the reaper of the next run.
 */
export function killSandboxSync(dir: string): void {
  const nodes = join(dir, 'nodes');
  for (const n of existsSync(nodes) ? readdirSync(nodes) : []) killTrackedSync(join(nodes, n));
  killTrackedSync(dir);
}
