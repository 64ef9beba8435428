// inspect-kubelet judges a kubelet as Go's crypto/x509 does, because metrics-server is a Go client:
// every case here is asked of Go itself (test/go-oracle, built with the sandbox's Go 1.19) and our
// verdict, and each address line, must be Go's text word for word.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { goOracleBinary, goVerify } from '../../../test/go-oracle/go-oracle.ts';
import { judgeKubelet, type KubeletEvidence } from '../src/kubelet/kubelet-verdict.ts';
import { parseCertificates } from '../src/x509/certificate.ts';
import { type Issued, OpenSsl } from './support/openssl.ts';

// From an empty cache the first call builds the oracle with Go (about 10 s): do it before the cases.
beforeAll(() => {
  goOracleBinary();
}, 300_000);

const ssl = new OpenSsl();
afterAll(() => ssl.dispose());

const DAY = 86_400_000;
const CA = ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign,cRLSign'];
const SERVING = ['keyUsage=critical,digitalSignature,keyEncipherment', 'extendedKeyUsage=serverAuth'];
const SANS = 'subjectAltName=DNS:w1,IP:10.0.0.11';

/** A CA signed by `parent` (or self-signed), with `ext` in place of the usual CA extensions when given. */
function ca(cn: string, parent?: Issued, opts: { days?: number; ext?: string[]; key?: 'p256' } = {}): Issued {
  if (!parent) return ssl.selfSigned(`/CN=${cn}`, { ...opts, ext: opts.ext ?? CA });
  const req = ssl.csr([`CN = ${cn}`], [], opts.key ?? 'p256');
  return { cert: ssl.sign(req.csr, parent, opts.ext ?? CA, opts.days), key: req.key };
}

/** A kubelet serving certificate for w1 / 10.0.0.11 (or `ext` instead), issued by `issuer`. */
function leaf(
  issuer: Issued,
  ext: string[] = [...SERVING, SANS],
  opts: { days?: number; digest?: string; sigopt?: string[] } = {},
) {
  const req = ssl.csr(['O = system:nodes', 'CN = system:node:w1']).csr;
  return ssl.sign(req, issuer, ext, opts.days, opts.digest, opts.sigopt);
}

const root = ca('kubernetes');
const inter = ca('kubelet-serving-ca', root);
const ecRoot = ca('ec-root', undefined, { key: 'p256' });
const shortInter = ca('short-lived-ca', root, { days: 1 });
// One intermediate key certified twice: a copy that expires tomorrow and one that lasts a year.
const interKey = ssl.csr(['CN = reissued-ca']);
const reissuedShort: Issued = { cert: ssl.sign(interKey.csr, root, CA, 1), key: interKey.key };
const reissued: Issued = { cert: ssl.sign(interKey.csr, root, CA), key: interKey.key };
const secondImpostor = ca('kubernetes');
// Names Go prints with %q in its hint: quotes and non-ASCII; no CN (the O instead); neither (the serial).
const quoted = ca('Kübernetes \\"prod\\"', root);
const quotedImpostor = ca('Kübernetes \\"prod\\"', root);
const orgOnly = ssl.selfSigned('/O=Example Org', { ext: CA });
const orgOnlyImpostor = ssl.selfSigned('/O=Example Org', { ext: CA });
const nameless = ssl.selfSigned('/C=DE', { ext: CA });
const namelessImpostor = ssl.selfSigned('/C=DE', { ext: CA });
const shortRoot = ca('short-lived-root', undefined, { days: 1 });
const shortRootInter = ca('inter-of-short-root', shortRoot);
const impostor = ca('kubernetes'); // the CA's name, another key: a CA that was regenerated
const ecImpostor = ca('kubernetes', undefined, { key: 'p256' });
const notCaRoot = ssl.selfSigned('/CN=kubernetes', { ext: ['basicConstraints=critical,CA:FALSE'] });
const notCaIssuer = ca('w1-issuer', root, { ext: ['basicConstraints=critical,CA:FALSE'] });
const noCertSignRoot = ca('no-cert-sign', undefined, {
  ext: ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,digitalSignature'],
});
const pathLenRoot = ca('path-len-0', undefined, {
  ext: ['basicConstraints=critical,CA:TRUE,pathlen:0', 'keyUsage=critical,keyCertSign'],
});
const underPathLen = ca('under-path-len-0', pathLenRoot);
const clientOnlyInter = ca('client-only-ca', root, { ext: [...CA, 'extendedKeyUsage=clientAuth'] });
const oddCa = ca('odd-ca', root, { ext: [...CA, '1.2.3.4=critical,ASN1:NULL'] });
// CAs restricted by name constraints (a critical extension, as RFC 5280 wants it).
const constrained = (...nc: string[]) =>
  ca('constrained-ca', root, { ext: [...CA, `nameConstraints=critical,${nc.join(',')}`] });
const permitsW1 = constrained('permitted;DNS:w1', 'permitted;IP:10.0.0.0/255.0.0.0');
const permitsOtherDomain = constrained('permitted;DNS:.nodes.example', 'permitted;IP:10.0.0.0/255.0.0.0');
const excludesTen = constrained('excluded;IP:10.0.0.0/255.0.0.0');
const excludesW1 = constrained('excluded;DNS:w1');
const emailOnly = constrained('permitted;email:example.com');
const dirNameOnly = ca('constrained-ca', root, {
  ext: [...CA, 'nameConstraints=critical,permitted;dirName:dir_sect', '[dir_sect]', 'CN = somebody'],
});
const kubeadmCa = ssl.selfSigned('/CN=w1-ca@1700000000');
const kubeadmLeaf = ssl.sign(ssl.csr(['CN = w1@1700000000']).csr, kubeadmCa, ['subjectAltName=DNS:w1']);
const selfSigned = ssl.selfSigned('/CN=w1', { ext: [...SERVING, SANS] });

const now = new Date(Date.now() + 60_000);
const later = (days: number) => new Date(Date.now() + days * DAY);

interface Case {
  /** Served certificates, leaf first, in the order the kubelet sends them. */
  served: string[];
  roots: Issued[];
  /** The node's addresses; metrics-server dials the first. */
  names?: string[];
  at?: Date;
}

const cases: Record<string, Case> = {
  'a leaf issued by the trusted CA for the dialled IP': { served: [leaf(root)], roots: [root] },
  'a leaf from a served intermediate': { served: [leaf(inter), inter.cert], roots: [root] },
  'a chain served root-first, with the root and a duplicate': {
    served: [leaf(inter), root.cert, inter.cert, inter.cert],
    roots: [root],
  },
  'an IP the certificate does not name': { served: [leaf(root)], roots: [root], names: ['10.0.0.12', 'w2'] },
  'an IP with no IP SANs at all': {
    served: [leaf(root, [...SERVING, 'subjectAltName=DNS:w1'])],
    roots: [root],
    names: ['10.0.0.11', 'w1'],
  },
  'DNS names: case, trailing dot, a wildcard, an invalid name': {
    served: [leaf(root, [...SERVING, 'subjectAltName=DNS:*.nodes.example,DNS:w1'])],
    roots: [root],
    names: ['W1', 'w1.', 'a.nodes.example', 'a.b.nodes.example', 'nodes.example', 'w1_x', '*.nodes.example'],
  },
  'an IPv6 address': {
    served: [leaf(root, [...SERVING, 'subjectAltName=IP:fd00::11'])],
    roots: [root],
    names: ['fd00::11', '[fd00::11]', 'fd00::12', '10.0.0.11'],
  },
  'a certificate with only a Common Name (an IP)': {
    served: [ssl.sign(ssl.csr(['CN = 10.0.0.11']).csr, root, ['extendedKeyUsage=serverAuth'])],
    roots: [root],
    names: ['10.0.0.11', 'w1'],
  },
  'a certificate with only a Common Name (a host name)': {
    served: [ssl.sign(ssl.csr(['CN = w1']).csr, root, ['extendedKeyUsage=serverAuth'])],
    roots: [root],
    names: ['w1', '10.0.0.11'],
  },
  'a Common Name that matches, on a certificate whose SANs do not': {
    served: [ssl.sign(ssl.csr(['CN = 10.0.0.11']).csr, root, [...SERVING, 'subjectAltName=DNS:w1'])],
    roots: [root],
    names: ['10.0.0.11', 'w1'],
  },
  'a leaf whose intermediate is not served': { served: [leaf(inter)], roots: [root] },
  'a leaf of another CA': { served: [leaf(ecRoot)], roots: [root] },
  'a kubeadm self-signed kubelet (leaf and its own CA)': {
    served: [kubeadmLeaf, kubeadmCa.cert],
    roots: [root],
    names: ['10.0.0.11', 'w1'],
  },
  'a self-signed certificate': { served: [selfSigned.cert], roots: [root] },
  'a self-signed certificate that is itself in the CA bundle': {
    served: [selfSigned.cert],
    roots: [root, selfSigned],
  },
  'a leaf without serverAuth in its extended key usage': {
    served: [leaf(root, ['extendedKeyUsage=clientAuth', SANS])],
    roots: [root],
    names: ['10.0.0.11', '10.0.0.12'],
  },
  'a leaf with no extended key usage at all': { served: [leaf(root, [SANS])], roots: [root] },
  'a leaf with anyExtendedKeyUsage': {
    served: [leaf(root, ['extendedKeyUsage=anyExtendedKeyUsage', SANS])],
    roots: [root],
  },
  'a leaf with only Microsoft Server Gated Crypto': {
    served: [leaf(root, ['extendedKeyUsage=msSGC', SANS])],
    roots: [root],
  },
  'an intermediate restricted to clientAuth': {
    served: [leaf(clientOnlyInter), clientOnlyInter.cert],
    roots: [root],
  },
  'a SHA-1-signed leaf': { served: [leaf(root, undefined, { digest: 'sha1' })], roots: [root] },
  'an ECDSA-SHA1-signed leaf': { served: [leaf(ecRoot, undefined, { digest: 'sha1' })], roots: [ecRoot] },
  'an expired intermediate': { served: [leaf(shortInter), shortInter.cert], roots: [root], at: later(2) },
  'an expired root': {
    served: [leaf(shortRootInter), shortRootInter.cert],
    roots: [shortRoot],
    at: later(2),
  },
  'an expired copy of the intermediate served before a valid one: Go uses the valid one': {
    served: [leaf(reissued), reissuedShort.cert, reissued.cert],
    roots: [root],
    at: later(2),
  },
  'a valid copy of the intermediate served before an expired one: the later error does not count': {
    served: [leaf(reissued), reissued.cert, reissuedShort.cert],
    roots: [root],
    at: later(2),
  },
  'only an expired copy of the intermediate': {
    served: [leaf(reissued), reissuedShort.cert],
    roots: [root],
    at: later(2),
  },
  'a CA bundle with the old and the new CA of one name (during a CA rotation)': {
    served: [leaf(root)],
    roots: [impostor, root],
  },
  'a CA bundle with two CAs of the name, neither the issuer: the first failure is the hint': {
    served: [leaf(root)],
    roots: [ecImpostor, secondImpostor, impostor],
  },
  'a hint naming a CA with quotes and non-ASCII in its name': {
    served: [leaf(quoted)],
    roots: [quotedImpostor],
  },
  'a hint naming a CA without a CN by its O': { served: [leaf(orgOnly)], roots: [orgOnlyImpostor] },
  'a hint naming a CA without CN or O by its serial': { served: [leaf(nameless)], roots: [namelessImpostor] },
  'an RSA-PSS signature with SHA-256 and a 32-byte salt': {
    served: [leaf(root, undefined, { sigopt: ['rsa_padding_mode:pss', 'rsa_pss_saltlen:digest'] })],
    roots: [root],
  },
  'an RSA-PSS signature with SHA-384 and a 48-byte salt': {
    served: [
      leaf(root, undefined, { digest: 'sha384', sigopt: ['rsa_padding_mode:pss', 'rsa_pss_saltlen:digest'] }),
    ],
    roots: [root],
  },
  'an RSA-PSS signature with the longest salt (Go knows no such algorithm)': {
    served: [leaf(root, undefined, { sigopt: ['rsa_padding_mode:pss', 'rsa_pss_saltlen:max'] })],
    roots: [root],
  },
  'an ECDSA P-256 CA signing with SHA-384': {
    served: [leaf(ecRoot, undefined, { digest: 'sha384' })],
    roots: [ecRoot],
  },
  'an expired leaf': { served: [leaf(root, undefined, { days: 1 })], roots: [root], at: later(2) },
  'a leaf not valid yet': { served: [leaf(root)], roots: [root], at: later(-1) },
  'an issuer with the CA name but another key (RSA)': { served: [leaf(root)], roots: [impostor] },
  'an issuer with the CA name but another key type (ECDSA)': { served: [leaf(root)], roots: [ecImpostor] },
  'the CA name on a certificate that is not a CA, among the roots': {
    served: [leaf(root)],
    roots: [notCaRoot],
  },
  'a served issuer that is not a CA': { served: [leaf(notCaIssuer), notCaIssuer.cert], roots: [root] },
  'a root whose key usage lacks certSign': { served: [leaf(noCertSignRoot)], roots: [noCertSignRoot] },
  'a root with pathlen 0 above an intermediate': {
    served: [leaf(underPathLen), underPathLen.cert],
    roots: [pathLenRoot],
  },
  'a CA whose name constraints permit the names': {
    served: [leaf(permitsW1), permitsW1.cert],
    roots: [root],
  },
  'a CA whose name constraints permit another domain': {
    served: [leaf(permitsOtherDomain), permitsOtherDomain.cert],
    roots: [root],
  },
  'a CA whose name constraints exclude the IP range': {
    served: [leaf(excludesTen), excludesTen.cert],
    roots: [root],
  },
  'a CA whose name constraints exclude the DNS name': {
    served: [leaf(excludesW1), excludesW1.cert],
    roots: [root],
  },
  'a CA constrained only for email addresses': { served: [leaf(emailOnly), emailOnly.cert], roots: [root] },
  'a CA constrained by a directory name (a type Go does not handle)': {
    served: [leaf(dirNameOnly), dirNameOnly.cert],
    roots: [root],
  },
  'a leaf with an unknown critical extension': {
    served: [leaf(root, [...SERVING, SANS, '1.2.3.4=critical,ASN1:NULL'])],
    roots: [root],
  },
  'an intermediate with an unknown critical extension': {
    served: [leaf(oddCa), oddCa.cert],
    roots: [root],
  },
};

function evidence(c: Case, served: string[]): KubeletEvidence {
  const names = c.names ?? ['10.0.0.11', 'w1'];
  return {
    node: 'w1',
    addresses: names.map((address, i) => ({ type: i === 0 ? 'InternalIP' : `Other${i}`, address })),
    port: 10250,
    preferredAddressTypes: ['InternalIP'],
    served: { ok: true, chain: parseCertificates(served.join('')) },
    roots: { ok: true, certs: parseCertificates(c.roots.map((r) => r.cert).join('')), source: 'ca.crt' },
    configz: { ok: true, serverTLSBootstrap: true, rotateCertificates: true },
    pendingCsrs: [],
    now: c.at ?? now,
  };
}

describe('inspect-kubelet says what Go 1.19 crypto/x509 says (the Go oracle)', () => {
  it.each(Object.entries(cases))('%s', async (_name, c) => {
    const served = c.served;
    const e = evidence(c, served);
    const v = await judgeKubelet(e);
    const go = (name: string) =>
      goVerify({ chain: served.join(''), roots: c.roots.map((r) => r.cert).join(''), name, now: e.now });
    const used = e.addresses[0]?.address as string;
    expect(v.verdict === 'OK' ? 'OK' : v.cause).toBe(go(used));
    for (const a of v.addresses)
      expect({ [a.address]: a.ok ? 'OK' : a.message }).toEqual({ [a.address]: go(a.address) });
  });
});
