import { afterAll, describe, expect, it } from 'vitest';
import { hostnameError, matchHostname } from '../src/kubelet/hostname.ts';
import { parseCertificate } from '../src/x509/certificate.ts';
import { OpenSsl } from './support/openssl.ts';

const ssl = new OpenSsl();
afterAll(() => ssl.dispose());

const ca = ssl.selfSigned('/CN=ca');
const cert = (sans: string[], cn = 'w1') => {
  const ext = sans.length ? [`subjectAltName=${sans.join(',')}`] : [];
  return parseCertificate(ssl.sign(ssl.csr([`CN = ${cn}`]).csr, ca, ext));
};
const kubeadmSelfSigned = cert(['DNS:worker-1'], 'worker-1@1700000000');
const issued = cert(['DNS:worker-1', 'IP:10.0.0.11', 'IP:fd00::11']);
const noSans = cert([], 'worker-1');

describe("Go's VerifyHostname messages, reproduced exactly", () => {
  it.each([
    [
      'a kubeadm self-signed cert dialled by IP',
      kubeadmSelfSigned,
      '10.0.0.5',
      "x509: cannot validate certificate for 10.0.0.5 because it doesn't contain any IP SANs",
    ],
    [
      'an issued cert dialled by another IP',
      issued,
      '10.0.0.12',
      'x509: certificate is valid for 10.0.0.11, fd00::11, not 10.0.0.12',
    ],
    [
      'an issued cert dialled by another name',
      issued,
      'worker-2',
      'x509: certificate is valid for worker-1, not worker-2',
    ],
    [
      'a cert without SANs whose CN matches',
      noSans,
      'worker-1',
      'x509: certificate relies on legacy Common Name field, use SANs instead',
    ],
    [
      'a cert without SANs dialled by name',
      cert([], 'other'),
      'worker-1',
      'x509: certificate is not valid for any names, but wanted to match worker-1',
    ],
  ])('%s', (_n, c, host, message) => {
    expect(hostnameError(c, host)).toBe(message);
  });

  it.each([
    ['its IP', issued, '10.0.0.11'],
    ['its IPv6 address in another spelling', issued, 'fd00:0:0::11'],
    ['its name in capitals', issued, 'WORKER-1'],
    ['its name with a trailing dot', issued, 'worker-1.'],
    ['a kubeadm self-signed cert by name', kubeadmSelfSigned, 'worker-1'],
  ])('accepts %s', (_n, c, host) => {
    expect(hostnameError(c, host)).toBeUndefined();
  });
});

describe("Go's matchHostnames", () => {
  it.each([
    ['*.example.com', 'a.example.com', true],
    ['*.example.com', 'a.b.example.com', false],
    ['*.example.com', 'example.com', false],
    ['a.*.com', 'a.b.com', false],
    ['Worker-1', 'worker-1', true],
    ['worker-1', 'worker-1.', true],
    ['', 'x', false],
  ])('%s ~ %s: %s', (pattern, host, expected) => expect(matchHostname(pattern, host)).toBe(expected));
});
