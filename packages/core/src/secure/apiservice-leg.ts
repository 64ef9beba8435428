import { decodeCaBundle } from '../lint/ca-bundle.ts';
import { CA_SECRET_NAME, servingSecretName } from './apiservice-objects.ts';
import { type ApproverLocation, describeApprover } from './approver-location.ts';
import type { Issuer, IssuerDecision } from './cert-manager-liveness.ts';

/** The metrics APIService, and metrics-server's own TLS flags, as the planner needs them. */
export interface ApiServiceSummary {
  name: string;
  insecureSkipTLSVerify: boolean;
  /** spec.caBundle (base64 of PEM), when set. */
  caBundle?: string | undefined;
  /** spec.service; absent for an APIService served by the API server itself. */
  service?: { namespace: string; name: string } | undefined;
}

/** What GET /apis/metrics.k8s.io/v1beta1/nodes through the API server answered: the only proof. */
export type MetricsApiAnswer = { ok: true; nodes: string[] } | { ok: false; error: string };

export interface ApiServiceLegPlan {
  /** done: verified with a CA today; ready: can be done now; blocked: cannot be done as things are. */
  state: 'done' | 'ready' | 'blocked';
  /** The names metrics-server's serving certificate must hold: the aggregator dials <svc>.<ns>.svc. */
  servingNames: string[];
  /** Where the serving certificate would come from. */
  issuer: Issuer;
  /** Why that issuer: whether cert-manager runs (its Leases), whenever it is installed. */
  issuerNotes: string[];
  /** What is wrong today, one sentence each. */
  findings: string[];
  /** What --apply would do, in order. */
  steps: string[];
  /** The request through the aggregator, when one was made (metrics-server is registered). */
  metricsApi?: MetricsApiAnswer | undefined;
  /** The approver that keeps our CA and renews the certificate (not with cert-manager), when known. */
  approver?: ApproverLocation | undefined;
}

/**
 * The APIService leg: the API server must verify metrics-server, which takes a serving certificate
 * from a CA that the APIService's caBundle names, with insecureSkipTLSVerify off. Whether the CA in
 * the bundle really signed what metrics-server serves is proven only by a request through the
 * aggregator (the verify step), not by reading objects.
 */
export function planApiServiceLeg(
  api: ApiServiceSummary | undefined,
  servesOwnCertificate: boolean,
  source: IssuerDecision,
  now: Date,
  live?: { answer: MetricsApiAnswer; nodes: string[] },
  deploymentName?: string,
  approver?: ApproverLocation,
): ApiServiceLegPlan {
  const certManager = source.issuer === 'cert-manager';
  if (!api)
    return blocked(
      source,
      'there is no APIService v1beta1.metrics.k8s.io: metrics-server is not registered with the aggregator',
    );
  if (!api.service)
    return blocked(
      source,
      `APIService ${api.name} has no spec.service: the API server serves it, not metrics-server`,
    );
  const { name } = api.service;
  const servingNames = apiServiceServingNames(api.service);
  const tls = servingSecretName({ name: deploymentName ?? name });
  const findings = [
    ...(api.insecureSkipTLSVerify
      ? ['insecureSkipTLSVerify is true: the API server does not verify metrics-server']
      : []),
    ...caBundleFindings(api.caBundle, now),
    ...(servesOwnCertificate
      ? []
      : [
          'metrics-server serves a self-signed certificate it makes at start (no --tls-cert-file): no CA can vouch for it',
        ]),
  ];
  // Objects that look right prove nothing (Available stays True with a wrong caBundle): only
  // the answer through the aggregator does, and it must list every node.
  if (findings.length === 0 && live) findings.push(...liveFindings(live.answer, live.nodes));
  const steps = [
    certManager
      ? `a cert-manager Certificate for ${servingNames.join(', ')} into the Secret ${tls}, and the cainjector annotation on the APIService`
      : approver
        ? `a CA (its key in the Secret ${approver.namespace}/${CA_SECRET_NAME}, readable only by the approver that renews it: ${describeApprover(approver)}) and a serving certificate for ${servingNames.join(', ')} into the Secret ${tls}`
        : `a CA (its key in the Secret ${CA_SECRET_NAME}, readable by the approver's service account only) and a serving certificate for ${servingNames.join(', ')} into the Secret ${tls}`,
    `mount ${tls} in metrics-server and pass --tls-cert-file and --tls-private-key-file`,
    `set the APIService's caBundle to that CA and insecureSkipTLSVerify to false`,
    `verify: GET /apis/metrics.k8s.io/v1beta1/nodes through the API server lists every node, or put back what was changed`,
  ];
  // No issuer is needed for what verifies already; one that cannot be chosen blocks the rest.
  if (findings.length && source.blocked)
    return { ...blocked(source, source.blocked), findings: [...findings, source.blocked] };
  return {
    state: findings.length ? 'ready' : 'done',
    servingNames,
    issuer: source.issuer,
    issuerNotes: source.notes,
    findings,
    steps: findings.length ? steps : [],
    metricsApi: live?.answer,
    ...(approver && !certManager ? { approver } : {}),
  };
}

/** The names the aggregator may dial for a Service, the one it dials (<svc>.<ns>.svc) first. */
export function apiServiceServingNames(service: { namespace: string; name: string }): string[] {
  const { namespace, name } = service;
  return [`${name}.${namespace}.svc`, `${name}.${namespace}`, name];
}

function liveFindings(answer: MetricsApiAnswer, nodes: string[]): string[] {
  const via = 'GET /apis/metrics.k8s.io/v1beta1/nodes through the API server';
  if (!answer.ok) return [`${via} failed: ${answer.error}`];
  const missing = nodes.filter((n) => !answer.nodes.includes(n));
  return missing.length
    ? [
        `${via} lists ${nodes.length - missing.length} of ${nodes.length} nodes (missing: ${missing.join(', ')})`,
      ]
    : [];
}

function blocked(source: IssuerDecision, why: string): ApiServiceLegPlan {
  return {
    state: 'blocked',
    servingNames: [],
    issuer: source.issuer,
    issuerNotes: source.notes,
    findings: [why],
    steps: [],
  };
}

function caBundleFindings(caBundle: string | undefined, now: Date): string[] {
  if (!caBundle?.trim()) return ['the APIService has no caBundle: nothing to verify metrics-server with'];
  const contents = decodeCaBundle(caBundle);
  if (!contents.ok) return [contents.reason];
  const expired = contents.certificates.filter((c) => c.notAfter.getTime() <= now.getTime());
  return expired.map((c) => `the caBundle's CA ${c.subject.text} expired on ${c.notAfter.toISOString()}`);
}
