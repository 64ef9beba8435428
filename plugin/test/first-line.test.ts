import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { firstLine } from '../src/approve/report-item.ts';

// What an API server answers when RBAC refuses (Kubernetes 1.20's Status, as the sandbox's sends
// it): its message quotes the resource's and the user's names.
const forbidden = JSON.stringify({
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  message:
    'secrets "kubectl-certs-metrics-server-ca" is forbidden: User "system:serviceaccount:kubectl-certs:kubectl-certs-approver" cannot get resource "secrets" in API group "" in the namespace "kubectl-certs"',
  reason: 'Forbidden',
  details: { name: 'kubectl-certs-metrics-server-ca', kind: 'secrets' },
  code: 403,
});
/** client-node's exception, as its generated clients throw it (the body is the response's text). */
const thrown = (code: number, body: unknown) =>
  new ApiException(
    code,
    `HTTP-Code: ${code}\nMessage: Unknown API Status Code!\nBody: ${JSON.stringify(body)}`,
    body,
    {},
  );

describe('firstLine: the one line an API error is logged as', () => {
  it.each([
    {
      what: 'a 403 names what was refused and to whom, quotes and all (not cut at the first quote)',
      error: thrown(403, forbidden),
      line: 'HTTP 403: secrets "kubectl-certs-metrics-server-ca" is forbidden: User "system:serviceaccount:kubectl-certs:kubectl-certs-approver" cannot get resource "secrets" in API group "" in the namespace "kubectl-certs"',
    },
    {
      what: 'a Status already parsed gives its message',
      error: thrown(404, {
        kind: 'Status',
        message: 'apiservices.apiregistration.k8s.io "v1beta1.metrics.k8s.io" not found',
      }),
      line: 'HTTP 404: apiservices.apiregistration.k8s.io "v1beta1.metrics.k8s.io" not found',
    },
    {
      what: 'a body that is no Status leaves the exception’s own first line',
      error: thrown(502, '<html>Bad Gateway</html>'),
      line: 'HTTP 502: HTTP-Code: 502',
    },
    {
      what: 'an error without a status is its message’s first line',
      error: new Error('connect ECONNREFUSED 127.0.0.1:6443\n    at TCPConnectWrap'),
      line: 'connect ECONNREFUSED 127.0.0.1:6443',
    },
  ])('$what', ({ error, line }) => {
    expect(firstLine(error)).toBe(line);
  });
});
