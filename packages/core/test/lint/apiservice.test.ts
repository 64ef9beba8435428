import { afterAll, describe, expect, it } from 'vitest';
import { applyEdits } from '../../src/lint/apply-edits.ts';
import { lint } from '../../src/lint/lint.ts';
import { toPem } from '../../src/x509/pem.ts';
import { der, generateCa } from '../support/generated.ts';
import { OpenSsl } from '../support/openssl.ts';

const ssl = new OpenSsl();
afterAll(() => ssl.dispose());

const apiService = (spec: string, name = 'v1beta1.metrics.k8s.io') => `apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata:
  name: ${name}
spec:
  group: metrics.k8s.io
  service: {name: metrics-server, namespace: kube-system}
${spec}  version: v1beta1
`;
const b64 = (s: string) => Buffer.from(s).toString('base64');
const now = new Date('2026-11-23T00:00:00Z');
const ids = (text: string) => lint(text, { now }).map((f) => f.ruleId);

describe('apiservice-insecure', () => {
  it.each([
    ['insecureSkipTLSVerify: false', '  insecureSkipTLSVerify: false\n'],
    ['another APIService', '  insecureSkipTLSVerify: true\n', 'v1.example.com'],
  ])('valid: %s', (_n, spec, name?: string) =>
    expect(ids(apiService(spec, name))).not.toContain('apiservice-insecure'),
  );

  it('invalid: insecureSkipTLSVerify: true, with no automatic fix when the file has no cert-manager Certificate', () => {
    const [f] = lint(apiService('  insecureSkipTLSVerify: true\n'), { now });
    expect(f).toMatchObject({ ruleId: 'apiservice-insecure', range: { startLine: 8 }, fixes: [] });
    expect(f?.message).toMatch(/put that CA in spec\.caBundle \(or let cert-manager inject it\)/);
    expect(f?.message).toMatch(
      /Name that CA and this has a fix: kubectl certs lint --apiservice-ca-file FILE \(or, in the editor, 'Insert caBundle from PEM file…'\)\.$/,
    );
  });

  it('output: with a cert-manager Certificate in the file, the fix lets cert-manager inject its CA', () => {
    const certificate =
      'apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata:\n  name: metrics-server\n  namespace: kube-system\nspec: {secretName: metrics-server-tls}\n---\n';
    const text = certificate + apiService('  insecureSkipTLSVerify: true\n');
    const [f] = lint(text, { now });
    const out = applyEdits(text, f?.fixes[0]?.edits ?? []);
    expect(out).toBe(
      certificate +
        apiService('  insecureSkipTLSVerify: false\n').replace(
          '  name: v1beta1.metrics.k8s.io\n',
          '  name: v1beta1.metrics.k8s.io\n  annotations: {cert-manager.io/inject-ca-from: kube-system/metrics-server}\n',
        ),
    );
    expect(lint(out, { now })).toEqual([]);
  });
});

describe('apiservice-insecure with the CA named (--apiservice-ca-file)', () => {
  it('output: the preferred fix puts the CA in spec.caBundle and turns verification on; the bundle passes cabundle-invalid', () => {
    const ca = ssl.selfSigned('/CN=metrics-server-ca', { days: 3650 }).cert;
    const text = apiService('  # set by the installer\n  insecureSkipTLSVerify: true\n');
    const [f] = lint(text, { now, apiserviceCaPem: ca });
    expect(f?.fixes.map((x) => x.title)).toEqual([
      'Verify metrics-server with the given CA (spec.caBundle, insecureSkipTLSVerify: false)',
    ]);
    const out = applyEdits(text, f?.fixes[0]?.edits ?? []);
    expect(out).toBe(
      apiService('  # set by the installer\n  insecureSkipTLSVerify: false\n').replace(
        '  version: v1beta1\n',
        `  version: v1beta1\n  caBundle: ${b64(ca)}\n`,
      ),
    );
    expect(lint(out, { now, apiserviceCaPem: ca })).toEqual([]);
  });

  it('the message no longer asks for the CA once it is named', () => {
    const ca = ssl.selfSigned('/CN=metrics-server-ca', { days: 3650 }).cert;
    const [f] = lint(apiService('  insecureSkipTLSVerify: true\n'), { now, apiserviceCaPem: ca });
    expect(f?.message).not.toMatch(/--apiservice-ca-file/);
  });
});

describe('cabundle-invalid', () => {
  const good = ssl.selfSigned('/CN=metrics-ca', { days: 3650 }).cert;
  it('valid: a CA with years left', async () => {
    const ca = await generateCa('CN=ok', new Date('2026-01-01T00:00:00Z'), new Date('2030-01-01T00:00:00Z'));
    expect(ids(apiService(`  caBundle: ${b64(toPem(der(ca.cert), 'CERTIFICATE'))}\n`))).toEqual([]);
    expect(lint(apiService(`  caBundle: ${b64(good)}\n`))).toEqual([]);
  });

  it.each([
    ['not base64', '  caBundle: not*base64\n', 'error', /^caBundle is not base64/],
    [
      'base64 of something else',
      `  caBundle: ${b64('hello')}\n`,
      'error',
      /^caBundle does not hold PEM certificates: no PEM block found/,
    ],
  ])('invalid: %s', (_n, spec, severity, message) => {
    const [f] = lint(apiService(spec), { now });
    expect(f).toMatchObject({ ruleId: 'cabundle-invalid', severity });
    expect(f?.message).toMatch(message);
  });

  it.each([
    ['an expired CA', new Date('2026-01-01T00:00:00Z'), 'error', /expired on 2026-01-01T00:00:00\.000Z/],
    [
      'a CA expiring in 10 days',
      new Date('2026-12-03T00:00:00Z'),
      'warning',
      /expires in 10d: renew it before then/,
    ],
  ])('invalid: %s', async (_n, notAfter, severity, message) => {
    const ca = await generateCa('CN=metrics-ca', new Date('2025-01-01T00:00:00Z'), notAfter);
    const [f] = lint(apiService(`  caBundle: ${b64(toPem(der(ca.cert), 'CERTIFICATE'))}\n`), { now });
    expect(f).toMatchObject({ ruleId: 'cabundle-invalid', severity });
    expect(f?.message).toMatch(message);
  });
});
