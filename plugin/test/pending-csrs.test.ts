import type { V1CertificateSigningRequest } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { PendingCsrs } from '../src/approver/pending-csrs.ts';
import { addCsr, FakeCluster } from './support/fake-cluster.ts';

/** Real CSRs (openssl) as the API server holds them, filed by `node` with these SANs, in this order. */
function filed(specs: { node: string; sans: string[] }[]): V1CertificateSigningRequest[] {
  const c = new FakeCluster();
  return specs.map((s) => {
    const name = addCsr(c, { filer: s.node, sans: s.sans });
    const o = c.csrs.get(name) as V1CertificateSigningRequest;
    o.metadata = { ...o.metadata, creationTimestamp: new Date('2026-12-01T10:00:00Z') }; // one second for all
    return o;
  });
}
const approved = (o: V1CertificateSigningRequest): V1CertificateSigningRequest => ({
  ...o,
  status: { conditions: [{ type: 'Approved', status: 'True', reason: 'KubectlCertsApproved', message: '' }] },
});
const names = (xs: { request: { name: string } }[]) => xs.map((x) => x.request.name);

describe('which pending CSRs the approver decides', () => {
  it('newest per node and SANs: an older one of the same second is superseded by the one seen later', () => {
    const [old, newer, other] = filed([
      { node: 'w1', sans: ['DNS:w1', 'IP:10.0.0.1'] },
      { node: 'w1', sans: ['IP:10.0.0.1', 'DNS:w1'] },
      { node: 'w2', sans: ['DNS:w2'] },
    ]) as V1CertificateSigningRequest[];
    const csrs = new PendingCsrs();
    csrs.replaceAll([old, newer, other].map((o) => o as V1CertificateSigningRequest));
    const plan = csrs.plan(5, 'all');
    expect(names(plan.decide)).toEqual([newer?.metadata?.name, other?.metadata?.name]);
    expect(plan.superseded.map((x) => [x.item.request.name, x.by])).toEqual([
      [old?.metadata?.name, newer?.metadata?.name],
    ]);
    expect(csrs.plan(5, 'all').superseded).toEqual([]); // reported once
  });

  it('the older stays superseded once the newer was approved: it is never handed to the decider again', () => {
    const [old, newer] = filed([
      { node: 'w1', sans: ['DNS:w1'] },
      { node: 'w1', sans: ['DNS:w1'] },
    ]) as [V1CertificateSigningRequest, V1CertificateSigningRequest];
    const csrs = new PendingCsrs();
    csrs.replaceAll([old, newer]);
    csrs.plan(5, 'all');
    const done = csrs.upsert(approved(newer));
    const next = csrs.plan(5, done ? [done] : []);
    expect(names(next.decide)).toEqual([newer.metadata?.name]);
    expect(names(next.held)).toEqual([old.metadata?.name]);
  });

  it('a listed CSR that is not pending is held as its facts alone, and plans as the whole object would', () => {
    const [old, newer, other] = filed([
      { node: 'w1', sans: ['DNS:w1'] },
      { node: 'w1', sans: ['DNS:w1'] },
      { node: 'w2', sans: ['DNS:w2'] },
    ]) as [V1CertificateSigningRequest, V1CertificateSigningRequest, V1CertificateSigningRequest];
    const list = [old, approved(newer), other];
    const whole = new PendingCsrs();
    whole.replaceAll(list);
    const slim = new PendingCsrs();
    const kept = list.map((o) => slim.listed(o));
    expect(kept[0]).toBe(old); // pending: whole, it is written on
    expect(kept[1]?.spec.request).toBe(''); // approved: its facts were parsed, the request is not kept
    slim.replaceAll(kept);
    const plan = (c: PendingCsrs) => {
      const p = c.plan(5, 'all');
      return { decide: names(p.decide), superseded: p.superseded.map((x) => [x.item.request.name, x.by]) };
    };
    const fromWhole = plan(whole);
    expect(fromWhole).toEqual({
      decide: [other.metadata?.name],
      superseded: [[old.metadata?.name, newer.metadata?.name]],
    });
    expect(plan(slim)).toEqual(fromWhole);
  });

  it('a node over the cap has its newest decided; the one held back is decided as soon as the cap releases it', () => {
    const objs = filed([
      { node: 'w1', sans: ['DNS:w1'] },
      { node: 'w1', sans: ['IP:10.0.0.1'] },
      { node: 'w1', sans: ['DNS:w1', 'IP:10.0.0.1'] },
    ]);
    const [first, second, third] = objs as [
      V1CertificateSigningRequest,
      V1CertificateSigningRequest,
      V1CertificateSigningRequest,
    ];
    const csrs = new PendingCsrs();
    csrs.replaceAll(objs);
    const plan = csrs.plan(2, 'all');
    expect(names(plan.decide)).toEqual([second.metadata?.name, third.metadata?.name]);
    expect(names(plan.capped)).toEqual([first.metadata?.name]);
    const done = csrs.upsert(approved(third));
    const next = csrs.plan(2, done ? [done] : []);
    expect(names(next.decide)).toEqual([third.metadata?.name, first.metadata?.name]);
    expect(next.capped).toEqual([]);
  });

  it('a watch event decides the CSR it is about, not every pending one again', () => {
    const objs = filed([
      { node: 'w1', sans: ['DNS:w1'] },
      { node: 'w2', sans: ['DNS:w2'] },
    ]);
    const csrs = new PendingCsrs();
    csrs.replaceAll(objs.slice(0, 1));
    csrs.plan(5, 'all');
    const item = csrs.upsert(objs[1] as V1CertificateSigningRequest);
    expect(names(csrs.plan(5, item ? [item] : []).decide)).toEqual([objs[1]?.metadata?.name]);
  });

  it('ignores CSRs of other signers and forgets deleted ones', () => {
    const [o] = filed([{ node: 'w1', sans: ['DNS:w1'] }]) as [V1CertificateSigningRequest];
    const csrs = new PendingCsrs();
    expect(csrs.upsert({ ...o, spec: { ...o.spec, signerName: 'example.com/x' } })).toBeUndefined();
    csrs.upsert(o);
    csrs.remove(o);
    expect(csrs.pending()).toEqual([]);
  });
});
