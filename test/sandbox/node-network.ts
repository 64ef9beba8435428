import { spawnSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { SandboxError } from './paths.ts';

/**
 * A real node's test host: a network namespace joined to this machine by a veth pair, each
 * node on a /30 of its own in 198.18.0.0/16 and its twin in 198.19.0.0/16 (RFC 2544's benchmark
 * range, routed nowhere): the host end is .1, the node end .2. The node's InternalIP is in the
 * first, the second is its ExternalIP (a node with extra addresses reports it). Only this machine
 * and the namespaces made here are ever traffic targets.
 *
 * Sandboxes of other worktrees, and test files that vitest runs in parallel, make nodes at the
 * same time on the same machine, so every node first claims a slot: a file created with O_EXCL
 * in SLOTS_DIR (tmpfs, gone at reboot with the namespaces), holding the node's folder. The
 * namespace, the veth names (<= 15 characters) and the /30 are derived from the slot number,
 * so two claimed slots can never collide.
 */
export interface NodeNetwork {
  slot: number;
  netns: string;
  hostVeth: string;
  nodeVeth: string;
  /** This machine's end: the API server is reached here from inside the namespace. */
  hostIp: string;
  /** The node's InternalIP: the kubelet listens here. */
  nodeIp: string;
  /** A second address of the node (its ExternalIP, when it reports one), and this machine's end for it. */
  externalIp: string;
  hostExternalIp: string;
  /** Where the namespace is mounted (what nsenter --net takes). */
  netnsPath: string;
}

export const SLOTS_DIR = '/run/kubectl-certs-sandbox/slots';
/** 198.18.0.0/16 holds 16384 /30s. */
const SLOT_COUNT = 16_384;
const RECORD = 'network.json';

type Names = Pick<NodeNetwork, 'slot' | 'netns' | 'hostVeth' | 'nodeVeth' | 'netnsPath'>;

function names(slot: number): Names {
  const netns = `kcs-${slot}`;
  return {
    slot,
    netns,
    hostVeth: `kcs${slot}h`,
    nodeVeth: `kcs${slot}n`,
    netnsPath: `/var/run/netns/${netns}`,
  };
}

function slotAddress(slot: number, host: number, second: 18 | 19 = 18): string {
  const n = (198 << 24) + (second << 16) + slot * 4 + host;
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

function ip(args: string[], what: string): void {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.error) throw new SandboxError(`${what}: cannot run ip (${r.error.message}): install iproute2`);
  if (r.status !== 0)
    throw new SandboxError(`${what}: ip ${args.join(' ')}: ${(r.stderr || r.stdout).trim().split('\n')[0]}`);
}

/** Deletes the namespace and the host's veth of a slot if they exist (the peer goes with the namespace). */
function deleteLinks(n: Names): void {
  if (existsSync(n.netnsPath)) spawnSync('ip', ['netns', 'delete', n.netns]);
  spawnSync('ip', ['link', 'delete', n.hostVeth], { stdio: 'ignore' });
}

/** Claims a free slot for `owner` (the node's folder). A slot whose owner folder is gone is stale: reclaimed. */
function claimSlot(owner: string): number {
  mkdirSync(SLOTS_DIR, { recursive: true });
  const start = randomInt(SLOT_COUNT);
  for (let i = 0; i < SLOT_COUNT; i++) {
    const slot = (start + i) % SLOT_COUNT;
    const file = join(SLOTS_DIR, String(slot));
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, owner);
      closeSync(fd);
      return slot;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const holder = readFileSync(file, 'utf8');
      if (holder && !existsSync(holder)) {
        deleteLinks(names(slot));
        rmSync(file, { force: true });
        i--; // try the same slot again, now free (or taken by whoever was faster)
      }
    }
  }
  throw new SandboxError(`no free network slot in ${SLOTS_DIR}`);
}

/**
 * Frees every slot whose node folder is gone (its sandbox was deleted without its teardown):
 * deletes the slot's namespace and veth. A slot being claimed (no folder written yet) is left.
 */
export function releaseStaleSlots(): number[] {
  const released: number[] = [];
  for (const entry of existsSync(SLOTS_DIR) ? readdirSync(SLOTS_DIR) : []) {
    const file = join(SLOTS_DIR, entry);
    const holder = readFileSync(file, 'utf8');
    if (!holder || existsSync(holder) || !/^\d+$/.test(entry)) continue;
    deleteLinks(names(Number(entry)));
    rmSync(file, { force: true });
    released.push(Number(entry));
  }
  return released;
}

/** Makes the namespace and the veth pair for a node whose folder is `nodeDir`, and records them there. */
export function createNodeNetwork(nodeDir: string): NodeNetwork {
  const slot = claimSlot(nodeDir);
  const net: NodeNetwork = {
    ...names(slot),
    hostIp: slotAddress(slot, 1),
    nodeIp: slotAddress(slot, 2),
    hostExternalIp: slotAddress(slot, 1, 19),
    externalIp: slotAddress(slot, 2, 19),
  };
  writeFileSync(join(nodeDir, RECORD), JSON.stringify(net, null, 2));
  try {
    ip(['netns', 'add', net.netns], 'cannot create a network namespace');
    ip(
      ['link', 'add', net.hostVeth, 'type', 'veth', 'peer', 'name', net.nodeVeth],
      'cannot create a veth pair',
    );
    ip(['link', 'set', net.nodeVeth, 'netns', net.netns], 'cannot move a veth into the namespace');
    ip(['addr', 'add', `${net.hostIp}/30`, 'dev', net.hostVeth], 'cannot address the veth');
    ip(['addr', 'add', `${net.hostExternalIp}/30`, 'dev', net.hostVeth], 'cannot address the veth');
    ip(['link', 'set', net.hostVeth, 'up'], 'cannot bring the veth up');
    const inNs = (args: string[], what: string) => ip(['-n', net.netns, ...args], what);
    inNs(['addr', 'add', `${net.nodeIp}/30`, 'dev', net.nodeVeth], 'cannot address the node veth');
    inNs(['addr', 'add', `${net.externalIp}/30`, 'dev', net.nodeVeth], 'cannot address the node veth');
    inNs(['link', 'set', net.nodeVeth, 'up'], 'cannot bring the node veth up');
    inNs(['link', 'set', 'lo', 'up'], 'cannot bring the namespace loopback up');
  } catch (e) {
    deleteNodeNetwork(nodeDir);
    throw e;
  }
  return net;
}

/** The network recorded in a node folder, if any. */
export function readNodeNetwork(nodeDir: string): NodeNetwork | undefined {
  const f = join(nodeDir, RECORD);
  return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as NodeNetwork) : undefined;
}

/** Deletes the node's namespace and veths and frees its slot (only if the slot is still this node's). */
export function deleteNodeNetwork(nodeDir: string): void {
  const net = readNodeNetwork(nodeDir);
  if (!net) return;
  const slotFile = join(SLOTS_DIR, String(net.slot));
  const holder = existsSync(slotFile) ? readFileSync(slotFile, 'utf8') : '';
  if (holder === nodeDir) {
    deleteLinks(net);
    rmSync(slotFile, { force: true });
  }
  rmSync(join(nodeDir, RECORD), { force: true });
}
