import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type PodImages, podImages, SandboxError } from './paths.ts';
import { startProcess, waitFor } from './processes.ts';

/** A node's own containerd (Debian's), in the node's network namespace, with everything under the node folder. */
export interface Containerd {
  socket: string;
  images: PodImages;
}

const dirOf = (nodeDir: string) => join(nodeDir, 'containerd');
const socketOf = (nodeDir: string) => join(dirOf(nodeDir), 'containerd.sock');
/** runc keeps its container state here (not /run/runc), so teardown finds exactly this node's containers. */
const runcRoot = (nodeDir: string) => join(dirOf(nodeDir), 'runc');

/**
 * containerd's defaults, except: every path under the node folder; the pod sandbox image is the
 * pause image built from the Kubernetes source (nothing is ever pulled); and, as the recipe found,
 * restrict_oom_score_adj and disable_apparmor, without which runc cannot start a pod sandbox here.
 */
function config(d: string, nodeDir: string, images: PodImages): string {
  return `version = 2
root = "${d}/root"
state = "${d}/state"
[grpc]
  address = "${d}/containerd.sock"
[ttrpc]
  address = "${d}/containerd.sock.ttrpc"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "${images.pause.ref}"
  restrict_oom_score_adj = true
  disable_apparmor = true
  stream_server_address = "127.0.0.1"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "${d}/cni"
  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
    runtime_type = "io.containerd.runc.v2"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
      Root = "${runcRoot(nodeDir)}"
`;
}

function ctr(socket: string, args: string[]): string {
  const r = spawnSync('ctr', ['--address', socket, ...args], { encoding: 'utf8' });
  if (r.status !== 0)
    throw new SandboxError(`ctr ${args.join(' ')}: ${(r.stderr || r.stdout || String(r.error)).trim()}`);
  return r.stdout;
}

/** Starts the node's containerd inside its namespace and imports the pod images into k8s.io. */
export async function startContainerd(nodeDir: string, netnsPath: string): Promise<Containerd> {
  const d = dirOf(nodeDir);
  const images = podImages();
  for (const sub of ['root', 'state', 'cni', 'runc']) mkdirSync(join(d, sub), { recursive: true });
  const file = join(d, 'config.toml');
  writeFileSync(file, config(d, nodeDir, images));
  const socket = socketOf(nodeDir);
  const child = startProcess(nodeDir, 'containerd', 'nsenter', [
    `--net=${netnsPath}`,
    '--',
    'containerd',
    '--config',
    file,
  ]);
  await waitFor('containerd', async () => existsSync(socket) && ctr(socket, ['version']).includes('Server'), {
    timeoutMs: 30_000,
    child,
    logFile: join(nodeDir, 'logs', 'containerd.log'),
  });
  for (const image of [images.pause, images.exitCode]) importImage(nodeDir, image.tar);
  return { socket, images };
}

/**
 * Imports an image archive (docker-archive, or an OCI archive whose index names the image) into
 * the namespace the kubelet's CRI uses: pods then run it without a pull. Of a multi-platform
 * index, ctr keeps this machine's platform.
 */
export function importImage(nodeDir: string, tar: string): void {
  ctr(socketOf(nodeDir), ['-n', 'k8s.io', 'images', 'import', tar]);
}

/**
 * Kills (SIGKILL) every running container of `image` on the node, as a crash or the OOM killer
 * would: no SIGTERM, so the process cannot clean up. Returns the containers' ids. The kubelet
 * sees them exit and restarts them (restartPolicy Always).
 */
export function killContainersOf(nodeDir: string, image: string): string[] {
  const socket = socketOf(nodeDir);
  const ids = ctr(socket, ['-n', 'k8s.io', 'containers', 'ls'])
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter(([id, ref]) => id && ref === image)
    .map(([id]) => id as string);
  const running = new Set(
    ctr(socket, ['-n', 'k8s.io', 'tasks', 'ls'])
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(/\s+/))
      .filter(([, , status]) => status === 'RUNNING')
      .map(([id]) => id),
  );
  const killed = ids.filter((id) => running.has(id));
  for (const id of killed) ctr(socket, ['-n', 'k8s.io', 'tasks', 'kill', '--signal', 'SIGKILL', id]);
  return killed;
}

function cmdline(pid: string): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

/**
 * Kills and deletes the node's containers (runc delete --force kills every process of a container
 * through its cgroup) and the containerd shims, which outlive containerd by design; run after
 * the kubelet and containerd were stopped. A shim counts as ours only while its command line
 * names the node folder (its -address is the node's socket).
 */
export async function removeContainers(nodeDir: string): Promise<void> {
  const root = runcRoot(nodeDir);
  if (existsSync(root)) {
    for (const ns of readdirSync(root)) {
      const list = spawnSync('runc', ['--root', join(root, ns), 'list', '-q'], { encoding: 'utf8' });
      for (const id of list.stdout.split('\n').filter(Boolean))
        spawnSync('runc', ['--root', join(root, ns), 'delete', '--force', id], { stdio: 'ignore' });
    }
  }
  const shims = readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      const cmd = cmdline(p);
      return cmd.includes('containerd-shim') && cmd.includes(`${nodeDir}/`);
    });
  for (const pid of shims) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // already gone
    }
  }
  if (shims.length) await sleep(100);
}
