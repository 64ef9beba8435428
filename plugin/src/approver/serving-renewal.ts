import {
  APISERVICE_ANNOTATION,
  apiServiceServingNames,
  apiServiceTlsEdit,
  CA_SECRET_NAME,
  type CertificateInfo,
  caSecret,
  createServingCa,
  issueServingCertificate,
  nextRenewalStep,
  type PemKeyPair,
  PREVIOUS_CA_KEY,
  parseCertificate,
  parseCertificates,
  pemBundle,
  type RenewalStep,
  ROTATED_AT_ANNOTATION,
  SERVING_SECRET_ANNOTATION,
  type ServingValidity,
  servingSecret,
} from '@kubectl-certs/core';
import type { CoreV1Event, KubeConfig, V1APIService, V1Secret } from '@kubernetes/client-node';
import { mergePatch } from '../kube/merge-patch.ts';
import { requestJson } from '../kube/raw-api.ts';
import { withRetry } from '../kube/retry.ts';
import { serverSideApply } from '../kube/server-side-apply.ts';
import { withTimeout } from '../kube/timeout.ts';
import { approverEvent } from './events.ts';

/** What the leader needs to keep the APIService leg of `secure metrics-server` valid. */
export interface ServingRenewalSettings {
  /** The approver's namespace, where the CA Secret is. */
  namespace: string;
  /** Lifetimes of what it issues (flags: tests use seconds). */
  validity: ServingValidity;
  /** How long a write takes to reach its readers before the next step relies on it. */
  settleMs: number;
  timeoutMs: number;
}

/** One round's outcome: the step decided, what was written, and the expiries for the metrics. */
export interface RenewalRound {
  apiService: { name: string; uid: string };
  step: RenewalStep;
  wrote: string[];
  servingNotAfter?: Date | undefined;
  caNotAfter?: Date | undefined;
}

const text = (b64: string | undefined) => (b64 ? Buffer.from(b64, 'base64').toString('utf8') : '');

function readable(pem: string): CertificateInfo | undefined {
  try {
    return pem ? parseCertificate(pem) : undefined;
  } catch {
    // An unreadable certificate is one to issue again, not a reason to stop.
    return undefined;
  }
}

const secretPath = (namespace: string, name: string) =>
  `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets/${encodeURIComponent(name)}`;
const apiServicePath = (name: string) =>
  `/apis/apiregistration.k8s.io/v1/apiservices/${encodeURIComponent(name)}`;

/**
 * One round of renewal: reads the CA Secret (absent: `secure metrics-server` made no CA here, so
 * there is nothing to keep), the serving Secret and the APIService it names, asks core for the next
 * step and writes it. Decisions are core's (nextRenewalStep); this only reads and writes. Errors
 * are thrown (the caller counts and logs them; the next round tries again). The reads, every
 * round, go over raw-api.ts (each bounded and retried on 429/5xx); the writes, only when a step
 * is due, through the one server-side apply and merge patch.
 */
export async function renewServingRound(
  kc: KubeConfig,
  s: ServingRenewalSettings,
  now: Date,
): Promise<RenewalRound | undefined> {
  const read = <T>(path: string, what: string) =>
    withRetry(() => withTimeout(requestJson<T>(kc, 'GET', path), s.timeoutMs, what));
  const absent = <T>(p: Promise<T>) =>
    p.catch((e: unknown) => {
      if ((e as { code?: unknown }).code === 404) return undefined;
      throw e;
    });
  const caSec = await absent(
    read<V1Secret>(secretPath(s.namespace, CA_SECRET_NAME), `reading the CA Secret`),
  );
  if (!caSec) return undefined;
  const annotations = caSec.metadata?.annotations ?? {};
  const [servingNs, servingName] = (annotations[SERVING_SECRET_ANNOTATION] ?? '').split('/');
  const apiServiceName = annotations[APISERVICE_ANNOTATION];
  if (!servingNs || !servingName || !apiServiceName)
    throw new Error(
      `the CA Secret ${s.namespace}/${CA_SECRET_NAME} does not say which Secret and APIService it is for`,
    );
  const ca: PemKeyPair = { cert: text(caSec.data?.['tls.crt']), key: text(caSec.data?.['tls.key']) };
  const previousCaCert = text(caSec.data?.[PREVIOUS_CA_KEY]) || undefined;
  const rotatedAt = annotations[ROTATED_AT_ANNOTATION];
  const apiService = await read<V1APIService>(
    apiServicePath(apiServiceName),
    `reading APIService ${apiServiceName}`,
  );
  const service = apiService.spec?.service;
  if (!service?.name || !service.namespace)
    throw new Error(`APIService ${apiServiceName} has no spec.service`);
  const servingSec = await absent(
    read<V1Secret>(secretPath(servingNs, servingName), `reading Secret ${servingNs}/${servingName}`),
  );
  const servingNames = apiServiceServingNames({ namespace: service.namespace, name: service.name });
  const current = parseCertificate(ca.cert);
  const serving = readable(text(servingSec?.data?.['tls.crt']));
  let bundle: CertificateInfo[] = [];
  try {
    bundle = parseCertificates(text(apiService.spec?.caBundle));
  } catch {
    // A caBundle we cannot read holds no CA of ours: publish-bundle puts it right.
  }
  const step = await nextRenewalStep({
    ca: current,
    previousCa: previousCaCert ? readable(previousCaCert) : undefined,
    rotatedAt: rotatedAt ? new Date(rotatedAt) : undefined,
    caBundle: bundle,
    serving,
    servingNames,
    now,
    settleMs: s.settleMs,
  });
  const round: RenewalRound = {
    apiService: { name: apiServiceName, uid: apiService.metadata?.uid ?? '' },
    step,
    wrote: [],
    servingNotAfter: serving?.notAfter,
    caNotAfter: current.notAfter,
  };
  const opts = { dryRun: 'none' as const, force: true, timeoutMs: s.timeoutMs };
  const ref = { namespace: servingNs, name: servingName };
  const caContent = { serving: ref, apiService: apiServiceName };
  const setBundle = async (certs: string[]) => {
    await mergePatch(kc, apiServiceTlsEdit(apiServiceName, pemBundle(certs)) as V1APIService, opts);
    round.wrote.push(
      `APIService ${apiServiceName} caBundle (${certs.length} CA${certs.length > 1 ? 's' : ''})`,
    );
  };
  const caSecretOf = (content: Parameters<typeof caSecret>[1]) => caSecret(s.namespace, content) as V1Secret;

  switch (step.action) {
    case 'publish-bundle':
      await setBundle([...(previousCaCert ? [previousCaCert] : []), ca.cert]);
      break;
    case 'issue-serving': {
      const issued = await issueServingCertificate(ca, servingNames, now, s.validity.servingMs);
      // ca.crt is the CA that issued it (as cert-manager writes it), not the rotation's bundle.
      await serverSideApply(kc, servingSecret(ref, issued, ca.cert, apiServiceName) as V1Secret, opts);
      round.wrote.push(`Secret ${servingNs}/${servingName}`);
      round.servingNotAfter = parseCertificate(issued.cert).notAfter;
      break;
    }
    case 'rotate-ca': {
      const next = await createServingCa(now, s.validity.caMs);
      // The CA Secret first: should the bundle write fail, the next round publishes it.
      await serverSideApply(
        kc,
        caSecretOf({ ...caContent, ca: next, previousCaCert: ca.cert, rotatedAt: now }),
        opts,
      );
      round.wrote.push(`Secret ${s.namespace}/${CA_SECRET_NAME} (a new CA; the old one kept as previous)`);
      round.caNotAfter = parseCertificate(next.cert).notAfter;
      await setBundle([ca.cert, next.cert]);
      break;
    }
    case 'drop-previous-ca':
      await setBundle([ca.cert]);
      await serverSideApply(kc, caSecretOf({ ...caContent, ca }), opts);
      round.wrote.push(`Secret ${s.namespace}/${CA_SECRET_NAME} (the previous CA forgotten)`);
      break;
    case 'none':
      break;
  }
  return round;
}

export const RENEWAL_EVENT_REASON = 'KubectlCertsMetricsServerTls';

/** The Event of a round that wrote something, on the APIService. */
export function renewalEvent(round: RenewalRound, instance: string, now: Date): CoreV1Event {
  return approverEvent(
    {
      // Not named after its content: a renewal a year later may say the same, and is another Event.
      metadata: { generateName: `${round.apiService.name}.` },
      involvedObject: {
        apiVersion: 'apiregistration.k8s.io/v1',
        kind: 'APIService',
        name: round.apiService.name,
        uid: round.apiService.uid,
      },
      reason: RENEWAL_EVENT_REASON,
      message: `${round.step.action}: ${round.step.reason}; wrote ${round.wrote.join(', ')}`,
      type: 'Normal',
    },
    instance,
    now,
  );
}
