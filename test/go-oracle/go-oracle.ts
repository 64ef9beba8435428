// Builds test/go-oracle (standard library only) with the sandbox's Go and runs it: Go's own verdict
// on a served chain or a TLS endpoint, for tests that hold kubectl-certs' verdicts equal to it.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';

const SOURCE_DIR = new URL('.', import.meta.url).pathname;
/** The Go that scripts/sandbox-build.sh installs (Debian golang-1.19-go): metrics-server of that era was built with Go 1.19. */
const GOROOT = process.env.KUBECTL_CERTS_SANDBOX_GOROOT ?? '/usr/lib/go-1.19';

function cacheDir(): string {
  const base =
    process.env.KUBECTL_CERTS_CACHE ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'kubectl-certs');
  return join(base, 'go-oracle');
}

let built: string | undefined;

/** The oracle binary, built once per source and Go version into the shared cache (atomically: build, then rename). */
export function goOracleBinary(): string {
  if (built) return built;
  const go = join(GOROOT, 'bin', 'go');
  if (!existsSync(go))
    throw new Error(`Go not found at ${go}: run scripts/sandbox-build.sh (it installs golang-1.19-go)`);
  // Module mode (test/go-oracle/go.mod, no dependencies), whatever the caller's GO111MODULE says.
  const env = {
    ...process.env,
    GOROOT,
    GO111MODULE: 'on',
    GOTOOLCHAIN: 'local',
    GOFLAGS: '',
    CGO_ENABLED: '0',
  };
  const version = execFileSync(go, ['version'], { env }).toString().trim();
  const hash = createHash('sha256').update(version);
  for (const f of ['go.mod', 'main.go']) hash.update(readFileSync(join(SOURCE_DIR, f)));
  const dir = cacheDir();
  const bin = join(dir, `go-oracle-${hash.digest('hex').slice(0, 16)}`);
  if (!existsSync(bin)) {
    mkdirSync(dir, { recursive: true });
    const tmp = `${bin}.tmp-${process.pid}`;
    execFileSync(go, ['build', '-trimpath', '-o', tmp, '.'], {
      cwd: SOURCE_DIR,
      env: { ...env, GOCACHE: join(dir, 'gocache'), GOPATH: join(dir, 'gopath') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    renameSync(tmp, bin);
  }
  built = bin;
  return bin;
}

export interface GoVerifyInput {
  /** The served certificates, leaf first, as PEM. */
  chain: string;
  /** The trusted roots as PEM. */
  roots: string;
  /** The name the client verifies (the host of the URL it dials). */
  name: string;
  now: Date;
}

/** Go's x509.Certificate.Verify as crypto/tls calls it for a client: "OK" or Go's error text. */
export function goVerify(input: GoVerifyInput): string {
  const dir = mkdtempSync(join(tmpdir(), 'kc-go-oracle-'));
  try {
    writeFileSync(join(dir, 'chain.pem'), input.chain);
    writeFileSync(join(dir, 'roots.pem'), input.roots);
    return execFileSync(goOracleBinary(), [
      'verify',
      '-chain',
      join(dir, 'chain.pem'),
      '-roots',
      join(dir, 'roots.pem'),
      '-name',
      input.name,
      '-time',
      input.now.toISOString(),
    ])
      .toString()
      .trimEnd();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const execFileAsync = promisify(execFile);

/** What net/http says before a request to https://addr: "OK", or the dial or TLS handshake error. */
export async function goDial(addr: string, roots: string, now: Date): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'kc-go-oracle-'));
  try {
    writeFileSync(join(dir, 'roots.pem'), roots);
    const args = ['dial', '-addr', addr, '-roots', join(dir, 'roots.pem'), '-time', now.toISOString()];
    const { stdout } = await execFileAsync(goOracleBinary(), args);
    return stdout.trimEnd();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A Go TLS server with no certificate to serve, like a kubelet whose serving CSR is still Pending. */
export async function goServeWithoutCertificate(): Promise<{ host: string; port: number; stop(): void }> {
  const child = spawn(goOracleBinary(), ['serve-without-certificate', '-addr', '127.0.0.1:0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
  const [host, port] = line.split(/:(?=\d+$)/) as [string, string];
  return { host, port: Number(port), stop: () => child.kill() };
}
