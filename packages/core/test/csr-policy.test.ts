import { webcrypto } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { decideAll } from '../src/csr-policy/decide-all.ts';
import { mayChangeWithNode } from '../src/csr-policy/node-dependence.ts';
import {
  type CsrRequest,
  DEFAULT_OPTIONS,
  type DnsAnswer,
  type NodeFacts,
  type PolicyOptions,
  type Verdict,
} from '../src/csr-policy/types.ts';
import { Pkcs10CertificateRequestGenerator, SubjectAlternativeNameExtension } from '../src/x509/peculiar.ts';
import { toPem } from '../src/x509/pem.ts';
import { type KeySpec, OpenSsl } from './support/openssl.ts';

const ssl = new OpenSsl();
afterAll(() => ssl.dispose());

const W1 = 'worker-1';
const nodes: NodeFacts[] = [
  {
    name: W1,
    addresses: [
      { type: 'InternalIP', address: '10.0.0.11' },
      { type: 'ExternalIP', address: '203.0.113.11' },
      { type: 'InternalIP', address: 'fd00::11' },
      { type: 'Hostname', address: 'worker-1' },
      { type: 'InternalDNS', address: 'worker-1.internal.example' },
    ],
  },
  {
    name: 'worker-2',
    addresses: [
      { type: 'InternalIP', address: '10.0.0.12' },
      { type: 'Hostname', address: 'worker-2' },
    ],
  },
  // A node that (wrongly or by design) also lists worker-1's external address.
  {
    name: 'lb-node',
    addresses: [
      { type: 'InternalIP', address: '10.0.0.50' },
      { type: 'ExternalIP', address: '203.0.113.11' },
    ],
  },
];

interface Case {
  /** Subject lines as openssl writes them. Default: O=system:nodes, CN=system:node:worker-1. */
  dn?: string[];
  sans?: string[];
  /** Requested extensions beside the SANs, as openssl config lines. */
  ext?: string[];
  key?: KeySpec;
  username?: string;
  groups?: string[];
  usages?: string[];
  signerName?: string;
  conditions?: CsrRequest['conditions'];
  expirationSeconds?: number;
  request?: (pem: string) => string;
  nodes?: NodeFacts[] | { error: string };
  options?: Partial<PolicyOptions>;
  dns?: Record<string, DnsAnswer>;
}

const KUBELET_USAGES = ['digital signature', 'key encipherment', 'server auth'];

async function decide(c: Case) {
  const { csr } = ssl.csr(
    c.dn ?? ['O = system:nodes', `CN = system:node:${W1}`],
    c.sans ?? [`DNS:${W1}`, 'IP:10.0.0.11'],
    c.key ?? 'p256',
    c.ext,
  );
  const pem = c.request ? c.request(csr) : csr;
  const req: CsrRequest = {
    name: 'csr-test',
    signerName: c.signerName ?? 'kubernetes.io/kubelet-serving',
    username: c.username ?? `system:node:${W1}`,
    groups: c.groups ?? ['system:nodes', 'system:authenticated'],
    usages: c.usages ?? KUBELET_USAGES,
    request: Buffer.from(pem).toString('base64'),
    expirationSeconds: c.expirationSeconds,
    conditions: c.conditions ?? [],
  };
  const n =
    c.nodes === undefined
      ? { ok: true as const, value: nodes }
      : 'error' in c.nodes
        ? { ok: false as const, error: c.nodes.error }
        : { ok: true as const, value: c.nodes };
  const [d] = await decideAll(
    [req],
    n,
    { ...DEFAULT_OPTIONS, ...c.options },
    c.dns ? new Map(Object.entries(c.dns)) : undefined,
  );
  if (!d) throw new Error('no decision');
  return d;
}

/** Flips a byte near the end of the DER (inside the signature). */
function tamperSignature(pem: string): string {
  const der = Buffer.from(pem.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
  der[der.length - 4] = (der[der.length - 4] ?? 0) ^ 0x55;
  return toPem(new Uint8Array(der), 'CERTIFICATE REQUEST');
}

const cyrillicO = '\u043e';

/** worker-1's honest SAN first, then a second SAN extension that Go's parser would use instead. */
async function duplicateSanCsr(): Promise<string> {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
  const keys = (await webcrypto.subtle.generateKey(alg, false, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
  const req = await Pkcs10CertificateRequestGenerator.create({
    name: `O=system:nodes, CN=system:node:${W1}`,
    keys,
    signingAlgorithm: alg,
    extensions: [
      new SubjectAlternativeNameExtension([{ type: 'dns', value: W1 }]),
      new SubjectAlternativeNameExtension([{ type: 'dns', value: 'worker-2' }]),
    ],
  });
  return req.toString('pem');
}
const duplicateSan = await duplicateSanCsr();

describe('approves what a careful human would approve', () => {
  it.each<[string, Case]>([
    ['the kubelet default: EC P-256, DNS node name + InternalIP', {}],
    ['an RSA 2048 key', { key: 'rsa2048' }],
    ['an RSA 3072 key', { key: 'rsa3072' }],
    ['an ECDSA P-384 key', { key: 'p384' }],
    ['an Ed25519 key', { key: 'ed25519' }],
    ['an IP SAN only', { sans: ['IP:10.0.0.11'] }],
    ['a DNS SAN only', { sans: [`DNS:${W1}`] }],
    ['the ExternalIP and an IPv6 InternalIP', { sans: ['IP:fd00:0:0:0:0:0:0:11'] }],
    ['the InternalDNS name, in capitals', { sans: ['DNS:WORKER-1.INTERNAL.EXAMPLE'] }],
    ['usages without key encipherment', { usages: ['digital signature', 'server auth'] }],
    ['usages in another order', { usages: ['server auth', 'key encipherment', 'digital signature'] }],
    [
      'a lifetime within --max-expiration',
      { expirationSeconds: 3600, options: { maxExpirationSeconds: 86400 } },
    ],
    ['a node name matching --node-name-pattern', { options: { nodeNamePattern: /worker-\d+/ } }],
    ['IP SANs inside --allowed-ip-ranges', { options: { allowedIpRanges: ['10.0.0.0/24'] } }],
    [
      'DNS SANs ending in --allowed-dns-suffixes',
      {
        sans: [`DNS:${W1}`, 'DNS:worker-1.internal.example'],
        options: { allowedDnsSuffixes: ['internal.example'] },
      },
    ],
    [
      'DNS SANs resolving only to the node (--resolve-dns)',
      { options: { resolveDns: true }, dns: { [W1]: { addresses: ['10.0.0.11'] } } },
    ],
  ])('%s', async (_name, c) => {
    const d = await decide(c);
    expect(d.checks.filter((x) => x.outcome === 'fail')).toEqual([]);
    expect(d).toMatchObject({ decision: 'approve', reason: 'every check passed' });
  });
});

describe('refuses, naming the first failing check', () => {
  it.each<[string, Case, string, RegExp]>([
    [
      'a CSR filed by a user, not a node',
      { username: 'admin' },
      'requester',
      /filed by "admin", not by a node identity/,
    ],
    [
      'a node identity outside system:nodes',
      { groups: ['system:authenticated'] },
      'requester',
      /not in the system:nodes group/,
    ],
    ['an empty node name', { username: 'system:node:' }, 'requester', /not by a node identity/],
    [
      'a request that is not a CSR',
      { request: () => 'garbage' },
      'request',
      /not a valid CSR: no PEM block found/,
    ],
    [
      'two subjectAltName extensions (Go would issue the second)',
      { request: () => duplicateSan },
      'request',
      /the extension 2\.5\.29\.17 is requested more than once/,
    ],
    [
      'worker-1 asking for worker-9',
      { dn: ['O = system:nodes', 'CN = system:node:worker-9'] },
      'subject',
      /CN "system:node:worker-9" is not the requester "system:node:worker-1"$/,
    ],
    [
      'a CN with a Cyrillic look-alike letter',
      { dn: ['O = system:nodes', `CN = system:n${cyrillicO}de:${W1}`] },
      'subject',
      /look-alike or invisible characters: U\+043E/,
    ],
    [
      'two CNs',
      { dn: ['O = system:nodes', `0.CN = system:node:${W1}`, `1.CN = system:node:${W1}`] },
      'subject',
      /has 2 CNs/,
    ],
    [
      'no O',
      { dn: [`CN = system:node:${W1}`] },
      'subject',
      /subject O is \[\]; it must be exactly \[system:nodes\]/,
    ],
    [
      'O=system:masters',
      { dn: ['O = system:masters', `CN = system:node:${W1}`] },
      'subject',
      /O is \[system:masters\]/,
    ],
    [
      'a second O',
      { dn: ['0.O = system:nodes', '1.O = system:masters', `CN = system:node:${W1}`] },
      'subject',
      /O is \[system:nodes, system:masters\]/,
    ],
    [
      'an extra OU',
      { dn: ['O = system:nodes', 'OU = ops', `CN = system:node:${W1}`] },
      'subject',
      /other attributes: OU=ops/,
    ],
    ['a signature that does not verify', { request: tamperSignature }, 'signature', /does not verify/],
    ['an RSA 1024 key', { key: 'rsa1024' }, 'key', /RSA 1024 key is not allowed/],
    ['an ECDSA P-521 key', { key: 'p521' }, 'key', /ECDSA P-521 key is not allowed/],
    [
      'client auth usage',
      { usages: ['digital signature', 'key encipherment', 'client auth'] },
      'usages',
      /not a kubelet serving set/,
    ],
    [
      'server and client auth',
      { usages: [...KUBELET_USAGES, 'client auth'] },
      'usages',
      /not a kubelet serving set/,
    ],
    ['cert sign usage', { usages: [...KUBELET_USAGES, 'cert sign'] }, 'usages', /not a kubelet serving set/],
    [
      'an email SAN',
      { sans: [`DNS:${W1}`, 'email:root@example.com'] },
      'san-types',
      /email SANs are not allowed/,
    ],
    [
      'a URI SAN',
      { sans: [`DNS:${W1}`, 'URI:spiffe://cluster/ns/kube-system'] },
      'san-types',
      /URI SANs are not allowed/,
    ],
    [
      'an otherName SAN',
      { sans: [`DNS:${W1}`, 'otherName:1.3.6.1.4.1.311.20.2.3;UTF8:admin@corp'] },
      'san-types',
      /other types are not allowed: otherName/,
    ],
    [
      'a directoryName SAN',
      { sans: [`DNS:${W1}`, 'dirName:dir_sect'] },
      'san-types',
      /other types are not allowed: directoryName/,
    ],
    ['no SAN at all', { sans: [] }, 'san-types', /no DNS or IP SAN/],
    ['more SANs than --max-sans', { options: { maxSans: 1 } }, 'san-types', /2 SANs requested; at most 1/],
    [
      'a node that does not exist',
      { nodes: nodes.filter((n) => n.name !== W1) },
      'node-exists',
      /Node worker-1 does not exist/,
    ],
    [
      'a forged subject, even when Nodes could not be listed (a real failure beats missing input)',
      { dn: ['O = system:nodes', 'CN = system:node:worker-9'], nodes: { error: 'HTTP 503' } },
      'subject',
      /CN "system:node:worker-9" is not the requester/,
    ],
    [
      'a request for basicConstraints CA:TRUE',
      { ext: ['basicConstraints = critical,CA:TRUE'] },
      'extensions',
      /an extension a kubelet never requests: 2\.5\.29\.19 \(basicConstraints\)$/,
    ],
    [
      'a request for keyUsage and extKeyUsage',
      {
        ext: ['keyUsage = critical,digitalSignature,keyCertSign', 'extendedKeyUsage = serverAuth,clientAuth'],
      },
      'extensions',
      /extensions a kubelet never requests: 2\.5\.29\.15 \(keyUsage\), 2\.5\.29\.37 \(extKeyUsage\)$/,
    ],
    [
      'a request for an extension without a known name, by its OID',
      { ext: ['1.3.6.1.4.1.99999.1 = ASN1:UTF8String:anything'] },
      'extensions',
      /never requests: 1\.3\.6\.1\.4\.1\.99999\.1$/,
    ],
    [
      "another node's IP (worker-2's)",
      { sans: [`DNS:${W1}`, 'IP:10.0.0.12'] },
      'ip-sans',
      /IP SAN 10\.0\.0\.12 is not an InternalIP or ExternalIP of Node worker-1/,
    ],
    ['an IP no node has', { sans: ['IP:10.1.2.3'] }, 'ip-sans', /10\.1\.2\.3 is not an InternalIP/],
    [
      'its own IP that another Node also lists',
      { sans: ['IP:203.0.113.11'] },
      'ip-sans',
      /203\.0\.113\.11 is also an address of Node lb-node/,
    ],
    [
      "another node's name",
      { sans: ['DNS:worker-2'] },
      'dns-sans',
      /DNS SAN "worker-2" is neither the node name/,
    ],
    ['a wildcard name', { sans: ['DNS:*.internal.example'] }, 'dns-sans', /is a wildcard/],
    ['a trailing-dot name', { sans: ['DNS:worker-1.'] }, 'dns-sans', /ends with a dot/],
    [
      'a name outside the node',
      { sans: ['DNS:evil.example.com', 'IP:10.0.0.11'] },
      'dns-sans',
      /"evil\.example\.com"/,
    ],
    [
      'a node name not matching --node-name-pattern',
      { options: { nodeNamePattern: /worker/ } },
      'node-name-pattern',
      /does not match --node-name-pattern/,
    ],
    [
      'an IP outside --allowed-ip-ranges',
      { options: { allowedIpRanges: ['192.168.0.0/16', 'fd00::/8'] } },
      'ip-ranges',
      /10\.0\.0\.11 is outside/,
    ],
    [
      'a DNS name outside --allowed-dns-suffixes',
      { sans: ['DNS:worker-1.internal.example'], options: { allowedDnsSuffixes: ['corp.example'] } },
      'dns-suffixes',
      /does not end in/,
    ],
    [
      'a lifetime above --max-expiration',
      { expirationSeconds: 90000, options: { maxExpirationSeconds: 86400 } },
      'expiration',
      /90000s exceeds --max-expiration 86400s/,
    ],
    [
      'a name resolving elsewhere (--resolve-dns)',
      { options: { resolveDns: true }, dns: { [W1]: { addresses: ['10.0.0.11', '10.9.9.9'] } } },
      'dns-resolution',
      /resolves to 10\.9\.9\.9/,
    ],
    [
      'a name that does not resolve (--resolve-dns)',
      { options: { resolveDns: true }, dns: { [W1]: { error: 'ENOTFOUND' } } },
      'dns-resolution',
      /does not resolve: ENOTFOUND/,
    ],
  ])('%s', async (_name, c, check, message) => {
    const d = await decide(c);
    const firstFail = d.checks.find((x) => x.outcome === 'fail');
    expect(d.decision).toBe<Verdict>('refuse');
    expect(firstFail?.id).toBe(check);
    expect(d.reason).toMatch(message);
  });
});

describe('cannot decide now when its own input is missing: neither approves nor refuses', () => {
  const broken: NodeFacts[] = [{ name: W1, addresses: null as unknown as NodeFacts['addresses'] }];
  it.each<[string, Case, string, RegExp]>([
    [
      'Nodes that could not be listed (fail closed, but not a refusal)',
      { nodes: { error: 'HTTP 503: etcdserver: request timed out' } },
      'node-exists',
      /^cannot decide now: node-exists: could not list Nodes \(HTTP 503: etcdserver: request timed out\)$/,
    ],
    [
      'a check that throws (a Node object without addresses)',
      { nodes: broken },
      'ip-sans',
      /^cannot decide now: ip-sans: the check could not run \(.+\)$/,
    ],
    [
      'a DNS lookup that got no answer (--resolve-dns)',
      { options: { resolveDns: true }, dns: { [W1]: { unavailable: 'ETIMEOUT' } } },
      'dns-resolution',
      /DNS SAN worker-1 could not be looked up: ETIMEOUT$/,
    ],
    [
      'a DNS SAN that was not looked up (--resolve-dns)',
      { options: { resolveDns: true } },
      'dns-resolution',
      /DNS SAN worker-1 was not looked up$/,
    ],
  ])('%s', async (_name, c, check, reason) => {
    const d = await decide(c);
    expect(d.decision).toBe<Verdict>('undecided');
    expect(d.checks.filter((x) => x.outcome === 'fail')).toEqual([]);
    expect(d.checks.find((x) => x.outcome === 'undecided')?.id).toBe(check);
    expect(d.reason).toMatch(reason);
  });
});

describe('a refusal that may change when the Node changes (re-evaluated by --watch)', () => {
  it.each<[string, Case, boolean]>([
    ['the Node does not exist yet', { nodes: nodes.filter((n) => n.name !== W1) }, true],
    [
      'the Node has not reported the IP yet',
      { nodes: [{ name: W1, addresses: [{ type: 'Hostname', address: W1 }] }] },
      true,
    ],
    ['a forged subject', { dn: ['O = system:nodes', 'CN = system:node:worker-9'] }, false],
    ['a CA:TRUE request for a Node not there yet', { ext: ['basicConstraints = CA:TRUE'], nodes: [] }, false],
    ['an approval', {}, false],
    ['missing Nodes (undecided, not a refusal)', { nodes: { error: 'HTTP 403' } }, false],
  ])('%s', async (_name, c, expected) => {
    expect(mayChangeWithNode(await decide(c))).toBe(expected);
  });
});

describe('ignores CSRs that are not ours to decide, touching nothing', () => {
  it.each<[string, Case, RegExp]>([
    [
      'another signer',
      { signerName: 'example.com/serving' },
      /signer is example\.com\/serving, not kubernetes\.io\/kubelet-serving/,
    ],
    [
      'a kubelet client CSR',
      { signerName: 'kubernetes.io/kube-apiserver-client-kubelet' },
      /not ours to decide/,
    ],
    ['an already approved CSR', { conditions: [{ type: 'Approved', status: 'True' }] }, /already Approved/],
    ['a denied CSR', { conditions: [{ type: 'Denied', status: 'True' }] }, /already Denied/],
    [
      'a failed CSR',
      {
        conditions: [
          { type: 'Approved', status: 'True' },
          { type: 'Failed', status: 'True' },
        ],
      },
      /already Approved/,
    ],
  ])('%s', async (_name, c, reason) => {
    const d = await decide({ ...c, dn: ['O = system:masters', 'CN = anything'] });
    expect(d.decision).toBe<Verdict>('ignore');
    expect(d.reason).toMatch(reason);
    expect(d.checks.filter((x) => x.outcome === 'fail')).toHaveLength(1);
  });
});

describe('every decision reports every check', () => {
  it('lists all checks with an id, an outcome and a message', async () => {
    const d = await decide({});
    expect(d.checks.map((c) => c.id)).toEqual([
      'signer',
      'state',
      'requester',
      'request',
      'subject',
      'signature',
      'key',
      'usages',
      'extensions',
      'san-types',
      'node-exists',
      'ip-sans',
      'dns-sans',
      'node-name-pattern',
      'ip-ranges',
      'dns-suffixes',
      'expiration',
      'dns-resolution',
    ]);
    for (const c of d.checks) expect(c.message.length).toBeGreaterThan(5);
    expect(d.checks.find((c) => c.id === 'node-name-pattern')).toMatchObject({
      outcome: 'skip',
      message: 'no --node-name-pattern set',
    });
  });

  it('reports every failing check, not only the first', async () => {
    const d = await decide({
      dn: ['O = system:nodes', 'CN = system:node:worker-2'],
      sans: ['DNS:worker-2', 'IP:10.0.0.12'],
    });
    expect(d.checks.filter((c) => c.outcome === 'fail').map((c) => c.id)).toEqual([
      'subject',
      'ip-sans',
      'dns-sans',
    ]);
  });
});
