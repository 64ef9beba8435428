// Test fixtures made by the real openssl binary in a temporary folder.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type KeySpec = 'rsa2048' | 'rsa1024' | 'rsa3072' | 'p256' | 'p384' | 'p521' | 'ed25519';

const KEY_ARGS: Record<KeySpec, string[]> = {
  rsa1024: ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024'],
  rsa2048: ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'],
  rsa3072: ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:3072'],
  p256: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'],
  p384: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384'],
  p521: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-521'],
  ed25519: ['-algorithm', 'ED25519'],
};

export interface Issued {
  cert: string;
  key: string;
}

/** A scratch folder with openssl helpers; call `dispose()` in afterAll. */
export class OpenSsl {
  readonly dir = mkdtempSync(join(tmpdir(), 'kc-openssl-'));
  private n = 0;

  run(args: string[], input?: string): string {
    return execFileSync('openssl', args, {
      cwd: this.dir,
      input,
      stdio: ['pipe', 'pipe', 'pipe'],
    }).toString();
  }

  private file(name: string, text?: string): string {
    const p = join(this.dir, name);
    if (text !== undefined) writeFileSync(p, text);
    return p;
  }

  key(spec: KeySpec): string {
    const p = this.file(`k${this.n++}.pem`);
    this.run(['genpkey', ...KEY_ARGS[spec], '-out', p]);
    return readFileSync(p, 'utf8');
  }

  /** Self-signed CA (or any self-signed cert) with `-addext` extensions. */
  selfSigned(subject: string, opts: { key?: KeySpec; days?: number; ext?: string[] } = {}): Issued {
    const key = this.key(opts.key ?? 'rsa2048');
    const k = this.file(`s${this.n++}.key`, key);
    const out = this.file(`s${this.n++}.crt`);
    const ext = (
      opts.ext ?? ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign,cRLSign']
    ).flatMap((e) => ['-addext', e]);
    this.run([
      'req',
      '-x509',
      '-new',
      '-key',
      k,
      '-subj',
      subject,
      '-days',
      String(opts.days ?? 365),
      ...ext,
      '-out',
      out,
    ]);
    return { cert: readFileSync(out, 'utf8'), key };
  }

  /**
   * A CSR from an openssl config body ([dn] and optional [ext] sections are appended); `ext` adds
   * requested extensions beside the SANs, as openssl config lines (e.g. "basicConstraints = CA:TRUE").
   */
  csr(
    dn: string[],
    sans: string[] = [],
    key: KeySpec = 'p256',
    ext: string[] = [],
  ): { csr: string; key: string } {
    const keyPem = this.key(key);
    const k = this.file(`c${this.n++}.key`, keyPem);
    const cnf = [
      '[req]',
      'prompt = no',
      'utf8 = yes',
      'string_mask = utf8only',
      'distinguished_name = dn',
      ...(sans.length || ext.length ? ['req_extensions = ext'] : []),
      '[dn]',
      ...dn,
      ...(sans.length || ext.length ? ['[ext]'] : []),
      ...(sans.length ? [`subjectAltName = ${sans.join(',')}`] : []),
      ...ext,
      '[dir_sect]',
      'CN = somebody',
    ].join('\n');
    const c = this.file(`c${this.n++}.cnf`, cnf);
    return { csr: this.run(['req', '-new', '-key', k, '-config', c]), key: keyPem };
  }

  /**
   * Signs a CSR with a CA for `days` (with `digest`, e.g. "sha1", and `sigopt`s such as
   * "rsa_padding_mode:pss"); `ext` lines go into an extfile.
   */
  sign(csr: string, ca: Issued, ext: string[], days = 365, digest = 'sha256', sigopt: string[] = []): string {
    const r = this.file(`r${this.n++}.csr`, csr);
    const caCrt = this.file(`ca${this.n++}.crt`, ca.cert);
    const caKey = this.file(`ca${this.n++}.key`, ca.key);
    const e = this.file(`e${this.n++}.ext`, ext.join('\n'));
    const out = this.file(`o${this.n++}.crt`);
    this.run([
      'x509',
      '-req',
      '-in',
      r,
      '-CA',
      caCrt,
      '-CAkey',
      caKey,
      '-CAcreateserial',
      '-extfile',
      e,
      '-days',
      String(days),
      `-${digest}`,
      ...sigopt.flatMap((o) => ['-sigopt', o]),
      '-out',
      out,
    ]);
    return readFileSync(out, 'utf8');
  }

  /** `openssl x509 -noout <flag>` on a PEM, e.g. ['-fingerprint', '-sha256']. */
  x509(pem: string, flags: string[]): string {
    return this.run(['x509', '-noout', ...flags], pem).trim();
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
