import { beforeAll, describe, expect, it } from 'vitest';
import { createServingCa, issueServingCertificate, type PemKeyPair } from '../../src/secure/serving-ca.ts';
import { dueAtTwoThirds, nextRenewalStep, type ServingState } from '../../src/secure/serving-renewal.ts';
import { type CertificateInfo, parseCertificate } from '../../src/x509/certificate.ts';

// Real certificates: CA A made at t0 for 3,000 days, CA B (its successor) at t0 + 2,000 days;
// serving certificates of 300 days. `at(d)` is t0 + d days.
const day = 86_400_000;
const t0 = new Date('2026-01-01T00:00:00Z');
const at = (days: number) => new Date(t0.getTime() + days * day);
const settleMs = 5 * 60_000;
const names = ['metrics-server.kube-system.svc', 'metrics-server.kube-system', 'metrics-server'];
let a: PemKeyPair;
let b: PemKeyPair;
let A: CertificateInfo;
let B: CertificateInfo;
const certs: Record<string, CertificateInfo> = {};

beforeAll(async () => {
  a = await createServingCa(t0, 3000 * day);
  b = await createServingCa(at(2000), 3000 * day);
  A = parseCertificate(a.cert);
  B = parseCertificate(b.cert);
  const serve = async (ca: PemKeyPair, days: number, n = names) =>
    parseCertificate((await issueServingCertificate(ca, n, at(days), 300 * day)).cert);
  certs.fromA = await serve(a, 0);
  certs.fromAShort = await serve(a, 0, names.slice(0, 1));
  certs.fromALate = await serve(a, 1999);
  certs.fromB = await serve(b, 2000);
});

type Case = [string, () => Partial<ServingState>, string, RegExp?];
const cases: Case[] = [
  ['a fresh certificate from the current CA: nothing', () => ({ now: at(10) }), 'none', /nothing is due/],
  [
    'two thirds of the serving certificate gone: issue again',
    () => ({ now: at(201) }),
    'issue-serving',
    /two thirds through its life/,
  ],
  ['just before two thirds: nothing yet', () => ({ now: at(199) }), 'none'],
  [
    'no serving certificate (the Secret was deleted): issue',
    () => ({ serving: undefined, now: at(10) }),
    'issue-serving',
    /no readable serving certificate/,
  ],
  [
    'a name missing (the Service was renamed): issue',
    () => ({ serving: certs.fromAShort, now: at(10) }),
    'issue-serving',
    /lacks the names metrics-server\.kube-system, metrics-server$/,
  ],
  [
    'a caBundle without the current CA: publish it first',
    () => ({ caBundle: [B], now: at(10) }),
    'publish-bundle',
  ],
  [
    'two thirds of the CA gone: rotate it',
    () => ({ serving: certs.fromALate, now: at(2000) }),
    'rotate-ca',
    /the CA is two thirds through its life/,
  ],
  [
    'the CA and the serving certificate both due: the CA first (a certificate from it would die with it)',
    () => ({ serving: certs.fromA, now: at(2000) }),
    'rotate-ca',
  ],
  [
    'the CA expired (the approver was not running): rotate it',
    () => ({ serving: certs.fromA, now: at(3100) }),
    'rotate-ca',
  ],
  [
    'rotated a minute ago, still serving from the old CA: wait for the bundle to settle',
    () => rotating({ rotatedAt: new Date(at(2000).getTime() - 60_000) }),
    'none',
    /not issued by the current CA; waiting until the new CA has been in the caBundle for 300s/,
  ],
  [
    'rotated long enough ago: serve from the new CA',
    () => rotating({ rotatedAt: new Date(at(2000).getTime() - settleMs) }),
    'issue-serving',
    /not issued by the current CA/,
  ],
  [
    "the rotation's first write cut short (old bundle): publish old + new",
    () => rotating({ caBundle: [A] }),
    'publish-bundle',
  ],
  [
    'serving from the new CA for a minute: keep the old CA in the bundle',
    () => rotating({ serving: certs.fromB, now: new Date(at(2000).getTime() + 60_000) }),
    'none',
    /waiting for metrics-server to serve the certificate from the new CA/,
  ],
  [
    'serving from the new CA long enough: drop the old CA',
    () => rotating({ serving: certs.fromB, now: new Date(at(2000).getTime() + settleMs) }),
    'drop-previous-ca',
  ],
];

/** Mid-rotation: B current, A previous, both in the bundle, still serving from A. */
function rotating(over: Partial<ServingState>): Partial<ServingState> {
  return {
    ca: B,
    previousCa: A,
    rotatedAt: at(2000),
    caBundle: [A, B],
    serving: certs.fromALate,
    now: at(2000),
    ...over,
  };
}

describe('the next step in keeping the APIService leg secure', () => {
  it.each(cases)('%s', async (_, state, action, reason) => {
    const step = await nextRenewalStep({
      ca: A,
      caBundle: [A],
      serving: certs.fromA,
      servingNames: names,
      now: at(0),
      settleMs,
      ...state(),
    });
    expect(step.action).toBe(action);
    if (reason) expect(step.reason).toMatch(reason);
  });

  it('walks a whole rotation in order: rotate, serve from the new CA, drop the old', async () => {
    const steps: string[] = [];
    let s: ServingState = {
      ca: A,
      caBundle: [A],
      serving: certs.fromALate,
      servingNames: names,
      now: at(2000),
      settleMs,
    };
    for (let round = 0; round < 6; round++) {
      const step = await nextRenewalStep(s);
      steps.push(step.action);
      const later = new Date(s.now.getTime() + settleMs);
      if (step.action === 'rotate-ca')
        s = { ...s, ca: B, previousCa: A, rotatedAt: s.now, caBundle: [A, B], now: later };
      else if (step.action === 'issue-serving') s = { ...s, serving: certs.fromB, now: later };
      else if (step.action === 'drop-previous-ca')
        s = { ...s, previousCa: undefined, rotatedAt: undefined, caBundle: [B], now: later };
      else s = { ...s, now: later };
    }
    expect(steps).toEqual(['rotate-ca', 'issue-serving', 'drop-previous-ca', 'none', 'none', 'none']);
  });
});

describe('due at two thirds of a life', () => {
  it.each([
    [0, false],
    [199, false],
    [200, true],
    [299, true],
    [400, true],
  ])('a 300-day certificate at day %i: %s', (d, due) => {
    expect(dueAtTwoThirds({ notBefore: t0, notAfter: at(300) }, at(d))).toBe(due);
  });
});
