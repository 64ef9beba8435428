import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A PEM key pair on disk (paths) and in memory (text). */
export interface KeyPair {
  certFile: string;
  keyFile: string;
  cert: string;
  key: string;
}

export type KeyType = 'ec' | 'rsa';

function openssl(args: string[], input?: string): string {
  return execFileSync('openssl', args, { input, stdio: ['pipe', 'pipe', 'pipe'] }).toString();
}

export function genKey(file: string, type: KeyType): string {
  const alg =
    type === 'ec'
      ? ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']
      : ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'];
  openssl(['genpkey', ...alg, '-out', file]);
  return readFileSync(file, 'utf8');
}

function load(certFile: string, keyFile: string): KeyPair {
  return { certFile, keyFile, cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
}

/** Self-signed CA with the usual CA extensions. */
export function makeCa(
  dir: string,
  name: string,
  subject: string,
  days = 3650,
  type: KeyType = 'rsa',
): KeyPair {
  const key = join(dir, `${name}.key`);
  const crt = join(dir, `${name}.crt`);
  genKey(key, type);
  openssl([
    'req',
    '-x509',
    '-new',
    '-key',
    key,
    '-subj',
    subject,
    '-days',
    String(days),
    '-sha256',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign,digitalSignature',
    '-out',
    crt,
  ]);
  return load(crt, key);
}

/** A key and a certificate signed by `ca`, with the given extension lines. */
export function issue(
  dir: string,
  name: string,
  subject: string,
  ca: KeyPair,
  ext: string[],
  type: KeyType = 'rsa',
  days = 365,
): KeyPair {
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const extFile = join(dir, `${name}.ext`);
  const crt = join(dir, `${name}.crt`);
  genKey(key, type);
  openssl(['req', '-new', '-key', key, '-subj', subject, '-out', csr]);
  writeFileSync(extFile, `${ext.join('\n')}\n`);
  openssl([
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    ca.certFile,
    '-CAkey',
    ca.keyFile,
    '-CAcreateserial',
    '-days',
    String(days),
    '-sha256',
    '-extfile',
    extFile,
    '-out',
    crt,
  ]);
  return load(crt, key);
}

export function clientCert(
  dir: string,
  name: string,
  subject: string,
  ca: KeyPair,
  type: KeyType = 'rsa',
): KeyPair {
  return issue(
    dir,
    name,
    subject,
    ca,
    [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=clientAuth',
    ],
    type,
  );
}

/** A PKCS#10 request from an openssl config (subject lines and SAN entries as openssl spells them). */
/** `extensions`: more requested extensions, as openssl config lines (e.g. "basicConstraints = CA:TRUE"). */
export function makeCsr(
  keyFile: string,
  cnfFile: string,
  subjectLines: string[],
  sans: string[],
  extensions: string[] = [],
): string {
  const requested = [...(sans.length ? [`subjectAltName = ${sans.join(',')}`] : []), ...extensions];
  const cnf = [
    '[req]',
    'prompt = no',
    'distinguished_name = dn',
    ...(requested.length ? ['req_extensions = ext'] : []),
    '[dn]',
    ...subjectLines,
    ...(requested.length ? ['[ext]', ...requested] : []),
  ];
  writeFileSync(cnfFile, `${cnf.join('\n')}\n`);
  return openssl(['req', '-new', '-key', keyFile, '-config', cnfFile]);
}

export function rsaPublicKey(keyFile: string, outFile: string): void {
  openssl(['pkey', '-in', keyFile, '-pubout', '-out', outFile]);
}
