import { afterAll, describe, expect, it } from 'vitest';
import { parseRequest } from '../src/csr-policy/decide-all.ts';
import type { CsrRequest } from '../src/csr-policy/types.ts';
import { OpenSsl } from './support/openssl.ts';

const ssl = new OpenSsl();
afterAll(() => ssl.dispose());

const request = (pem: string): CsrRequest => ({
  name: 'csr-test',
  signerName: 'kubernetes.io/kubelet-serving',
  username: 'system:node:worker-1',
  groups: ['system:nodes'],
  usages: ['digital signature', 'server auth'],
  request: Buffer.from(pem).toString('base64'),
  conditions: [],
});

// The approver parses a CSR to plan, then to decide it: once per request object is enough.
describe('parseRequest parses each request object once', () => {
  const { csr } = ssl.csr(['O = system:nodes', 'CN = system:node:worker-1'], ['DNS:worker-1'], 'p256');

  it('gives the same parse for the same object', () => {
    const r = request(csr);
    const first = parseRequest(r);
    expect(first.ok).toBe(true);
    expect(parseRequest(r)).toBe(first);
  });

  it('parses another object afresh, even with the same request', () => {
    const a = parseRequest(request(csr));
    const b = parseRequest(request(csr));
    expect(b).not.toBe(a);
    expect(b).toEqual(a);
  });

  it('keeps a failure as a reason, once too', () => {
    const r = request('not a CSR');
    const first = parseRequest(r);
    expect(first).toMatchObject({ ok: false });
    expect(parseRequest(r)).toBe(first);
  });
});
