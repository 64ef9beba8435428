import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { applyEdits } from '../../src/lint/apply-edits.ts';
import {
  caExpiry,
  decodeCaBundle,
  findCaBundles,
  humanDuration,
  setCaBundle,
} from '../../src/lint/ca-bundle.ts';
import { editBetween, fixAll } from '../../src/lint/fix-all.ts';
import { lint } from '../../src/lint/lint.ts';
import { toPem } from '../../src/x509/pem.ts';
import { der, generateCa } from '../support/generated.ts';

const now = new Date('2026-11-23T00:00:00Z');
const day = 86_400_000;
const b64 = (s: string) => Buffer.from(s).toString('base64');
const caPem = async (cn: string, notAfter: Date) =>
  toPem(der((await generateCa(`CN=${cn}`, new Date('2026-01-01T00:00:00Z'), notAfter)).cert), 'CERTIFICATE');

const apiService = `# the metrics API (comment kept)
apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata:
  name: v1beta1.metrics.k8s.io
spec:
  group: metrics.k8s.io
  insecureSkipTLSVerify: true # was needed before the CA
  service:
    name: metrics-server
    namespace: kube-system
  version: v1beta1
`;

describe('decodeCaBundle', () => {
  it('reads every certificate of the bundle, with subject, issuer, validity and fingerprint', async () => {
    const a = await caPem('first-ca', new Date(now.getTime() + 213 * day));
    const b = await caPem('second-ca', new Date(now.getTime() + 400 * day));
    const r = decodeCaBundle(b64(a + b));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.certificates.map((c) => c.subject.text)).toEqual(['CN=first-ca', 'CN=second-ca']);
    expect(r.certificates[0]?.issuer.text).toBe('CN=first-ca');
    expect(r.certificates[0]?.fingerprintSha256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  });

  it.each([
    ['not base64', 'not*base64', /^caBundle is not base64/],
    ['base64 of text', b64('hello'), /^caBundle does not hold PEM certificates: no PEM block found/],
  ])('explains a value that is %s', (_n, value, reason) => {
    const r = decodeCaBundle(value);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });
});

describe('findCaBundles', () => {
  it('finds caBundle values in APIServices and webhook configurations, with their ranges', async () => {
    const pem = await caPem('webhook-ca', new Date(now.getTime() + 90 * day));
    const text = `${apiService}  caBundle: ${b64(pem)}\n---\napiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingWebhookConfiguration\nwebhooks:\n- name: x\n  clientConfig:\n    caBundle: "${b64(pem)}"\n`;
    const found = findCaBundles(text);
    expect(found.map((f) => [f.range.startLine, f.contents.ok])).toEqual([
      [13, true],
      [20, true],
    ]);
    expect(text.slice(found[0]?.range.start, found[0]?.range.end)).toBe(b64(pem));
  });

  it('finds nothing in a file that does not parse, or in an empty caBundle', () => {
    expect(findCaBundles('spec: {caBundle: ')).toEqual([]);
    expect(findCaBundles('spec:\n  caBundle: ""\n')).toEqual([]);
  });
});

describe('caExpiry', () => {
  it.each([
    [213 * day + 5_000, 'valid', 'CA expires in 213 days'],
    [10 * day, 'expiring', 'CA expires in 10 days'],
    [day, 'expiring', 'CA expires in 1 day'],
    [5 * 3_600_000, 'expiring', 'CA expires in 5 hours'],
    [-3 * day, 'expired', 'CA expired 3 days ago'],
  ])('a CA with %d ms left is %s: "%s"', async (left, state, label) => {
    const pem = await caPem('ca', new Date(now.getTime() + left));
    const r = decodeCaBundle(b64(pem));
    if (!r.ok) throw new Error(r.reason);
    expect(caExpiry(r.certificates, now)).toMatchObject({ state, label });
  });

  it('reports the certificate that expires first', async () => {
    const later = await caPem('later', new Date(now.getTime() + 400 * day));
    const sooner = await caPem('sooner', new Date(now.getTime() + 20 * day));
    const r = decodeCaBundle(b64(later + sooner));
    if (!r.ok) throw new Error(r.reason);
    expect(caExpiry(r.certificates, now)?.soonest.subject.text).toBe('CN=sooner');
  });

  it('says "less than a minute" rather than "0 minutes"', () => {
    expect(humanDuration(59_000)).toBe('less than a minute');
  });
});

describe('setCaBundle', () => {
  it('adds the base64 PEM as spec.caBundle and removes insecureSkipTLSVerify, keeping comments', async () => {
    const pem = await caPem('metrics-ca', new Date(now.getTime() + 365 * day));
    const r = setCaBundle(apiService, `subject=CN = metrics-ca\n${pem}`, now);
    if (!r.ok) throw new Error(r.reason);
    const out = applyEdits(apiService, r.edits);
    expect(out).toBe(
      apiService.replace('  insecureSkipTLSVerify: true # was needed before the CA\n', '') +
        `  caBundle: ${b64(pem)}\n`,
    );
    expect(lint(out, { now })).toEqual([]);
  });

  it('replaces an existing caBundle in place', async () => {
    const old = await caPem('old-ca', new Date(now.getTime() + 3 * day));
    const fresh = await caPem('new-ca', new Date(now.getTime() + 365 * day));
    const text =
      apiService.replace('  insecureSkipTLSVerify: true # was needed before the CA\n', '') +
      `  caBundle: ${b64(old)}\n`;
    const r = setCaBundle(text, fresh, now);
    if (!r.ok) throw new Error(r.reason);
    expect(applyEdits(text, r.edits)).toBe(text.replace(b64(old), b64(fresh)));
  });

  it.each([
    [
      'a private key',
      '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\n',
      apiService,
      /^not a PEM CA certificate: /,
    ],
    ['text', 'hello', apiService, /^not a PEM CA certificate: /],
    ['a file without an APIService', 'PEM', 'kind: ConfigMap\n', /no APIService/],
  ])('refuses %s with a reason', async (_n, input, text, reason) => {
    const pem = input === 'PEM' ? await caPem('ca', new Date(now.getTime() + 365 * day)) : input;
    const r = setCaBundle(text, pem, now);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });

  it('refuses an expired CA', async () => {
    const pem = await caPem('old-ca', new Date(now.getTime() - day));
    const r = setCaBundle(apiService, pem, now);
    expect(r).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^the certificate CN=old-ca expired on /),
    });
  });

  it('asks for the cursor when the file has several APIServices', async () => {
    const pem = await caPem('ca', new Date(now.getTime() + 365 * day));
    const two = `${apiService}---\n${apiService.replace('v1beta1.metrics', 'v1.custom')}`;
    expect(setCaBundle(two, pem, now)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/put the cursor/),
    });
    const r = setCaBundle(two, pem, now, two.indexOf('v1.custom'));
    if (!r.ok) throw new Error(r.reason);
    expect(applyEdits(two, r.edits).split('---')[0]).toBe(apiService);
  });
});

describe('fixAll and editBetween', () => {
  const example = readFileSync(new URL('../../../../docs/examples/components.yaml', import.meta.url), 'utf8');

  it("fixAll applies the preferred fixes and keeps every comment (the replaced flag's marked as about it)", () => {
    const { text, applied } = fixAll(example, {});
    expect(applied).toBe(1);
    expect(text).toContain(
      '- --kubelet-certificate-authority=/etc/kubernetes/kubelet-ca/ca.crt # was --kubelet-insecure-tls: added because of',
    );
    expect(text.match(/#.*$/gm)).toEqual(
      example.match(/#.*$/gm)?.map((c) => c.replace(/^# added/, '# was --kubelet-insecure-tls: added')),
    );
  });

  it('editBetween is one edit over only what changed', () => {
    const { text } = fixAll(example, {});
    const e = editBetween(example, text);
    expect(applyEdits(example, [e])).toBe(text);
    expect(e.offset).toBeGreaterThan(example.indexOf('- --kubelet-insecure-tls'));
    expect(e.offset + e.length).toBeLessThan(example.indexOf('---'));
    expect(editBetween('abcXdef', 'abcYYdef')).toEqual({ offset: 3, length: 1, text: 'YY' });
    expect(editBetween('same', 'same')).toEqual({ offset: 4, length: 0, text: '' });
  });
});
