import { webcrypto } from 'node:crypto';
import { type CsrRequest, DEFAULT_OPTIONS, decideAll, type NodeFacts } from '@kubectl-certs/core';
import { CertificationRequest } from '@peculiar/asn1-csr';
import { ECDSASigValue } from '@peculiar/asn1-ecc';
import { AsnConvert } from '@peculiar/asn1-schema';
import { kubeletCsrPem } from '../test/sandbox/bulk-csr.ts';
import { type Benchmark, interleavedMedians, timeIt } from './harness.ts';

const COUNT = 5000;
const NODES = 50;
const RUNS = 5;

interface Raw {
  spki: ArrayBuffer;
  tbs: ArrayBuffer;
  signature: Uint8Array;
}

/** TBS bytes, key and raw r||s signature, extracted before timing so the peer loop only verifies. */
function rawParts(pem: string): Raw {
  const der = Buffer.from(pem.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
  const req = AsnConvert.parse(der, CertificationRequest);
  const sig = AsnConvert.parse(req.signature, ECDSASigValue);
  const fix = (n: ArrayBuffer) => {
    const b = new Uint8Array(n);
    const trimmed = b[0] === 0 ? b.slice(1) : b;
    const out = new Uint8Array(32);
    out.set(trimmed, 32 - trimmed.length);
    return out;
  };
  const signature = new Uint8Array(64);
  signature.set(fix(sig.r), 0);
  signature.set(fix(sig.s), 32);
  return {
    spki: AsnConvert.serialize(req.certificationRequestInfo.subjectPKInfo),
    tbs: AsnConvert.serialize(req.certificationRequestInfo),
    signature,
  };
}

/** The whole policy over 5,000 CSRs against nothing but WebCrypto verifying the same signatures. */
export const policyEval: Benchmark = {
  name: 'policy-eval',
  title: 'Deciding 5,000 CSRs in process (core policy vs bare signature verification)',
  async run(log) {
    const nodes: NodeFacts[] = Array.from({ length: NODES }, (_, i) => ({
      name: `bench-${i}`,
      addresses: [
        { type: 'InternalIP', address: `10.0.${Math.floor(i / 250)}.${(i % 250) + 2}` },
        { type: 'Hostname', address: `bench-${i}` },
      ],
    }));
    log(`generating ${COUNT} CSRs`);
    const pems: string[] = [];
    for (let i = 0; i < COUNT; i++) {
      const n = nodes[i % NODES] as NodeFacts;
      pems.push(await kubeletCsrPem({ name: n.name, ip: (n.addresses[0] as { address: string }).address }));
    }
    const requests: CsrRequest[] = pems.map((pem, i) => ({
      name: `csr-${i}`,
      signerName: 'kubernetes.io/kubelet-serving',
      username: `system:node:${(nodes[i % NODES] as NodeFacts).name}`,
      groups: ['system:nodes', 'system:authenticated'],
      usages: ['digital signature', 'key encipherment', 'server auth'],
      request: Buffer.from(pem).toString('base64'),
      conditions: [],
    }));
    const raws = pems.map(rawParts);
    const subtle = webcrypto.subtle;
    const bare = async () => {
      const ok = await Promise.all(
        raws.map(async (r) => {
          const key = await subtle.importKey('spki', r.spki, { name: 'ECDSA', namedCurve: 'P-256' }, false, [
            'verify',
          ]);
          return subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, r.signature, r.tbs);
        }),
      );
      if (ok.some((v) => !v)) throw new Error('bare verification failed');
    };
    const policy = async () => {
      const d = await decideAll(requests, { ok: true, value: nodes }, DEFAULT_OPTIONS);
      if (d.some((x) => x.decision !== 'approve'))
        throw new Error(`policy refused: ${d.find((x) => x.decision !== 'approve')?.reason}`);
    };
    log(`timing ${RUNS} runs of each, interleaved`);
    const [ours, peer] = (await interleavedMedians([() => timeIt(policy), () => timeIt(bare)], RUNS, 1)) as [
      number,
      number,
    ];
    return [
      {
        what: '`decideAll` of 5,000 CSRs (parse + all checks + verify)',
        figure: ours,
        peer: 'WebCrypto importKey + verify of the same 5,000',
        peerFigure: peer,
        unit: 'ms',
        target: '<= 1.5x',
      },
    ];
  },
};
