import { shortHumanDuration } from '../expiration/durations.ts';

/**
 * Whether cert-manager can give metrics-server its serving certificate now, and so which issuer the
 * APIService leg uses. Its CRDs say only that it was installed: they stay after a half-done
 * uninstall, and so do its Leases (nothing cleans kube-system). What says it runs is its leader's
 * Lease, renewed every retry period (15s by default) within its lease duration (60s): the
 * controller's (it issues the Certificate) and the cainjector's (it fills the caBundle), both in
 * cert-manager's --leader-election-namespace, kube-system unless set otherwise.
 */
export const CERT_MANAGER_LEASE_NAMESPACE = 'kube-system';
export const CERT_MANAGER_LEASES = {
  controller: 'cert-manager-controller',
  cainjector: 'cert-manager-cainjector-leader-election',
} as const;
export type CertManagerComponent = keyof typeof CERT_MANAGER_LEASES;

/** A coordination.k8s.io/v1 Lease as read, or why it could not be (a 403: the missing permission in words). */
export type LeaseRead =
  | {
      state: 'found';
      holderIdentity?: string | undefined;
      renewTime?: string | undefined;
      leaseDurationSeconds?: number | undefined;
    }
  | { state: 'absent' }
  | { state: 'forbidden'; permission: string };

/** What was read about cert-manager: its CRD, and when it is there, both Leases. */
export type CertManagerFacts =
  | { crd: false }
  | { crd: true; leases: Record<CertManagerComponent, LeaseRead> };

/** --issuer: auto uses cert-manager only when it runs. */
export type IssuerChoice = 'auto' | 'cert-manager' | 'kubectl-certs';

export type Issuer = 'cert-manager' | 'a CA that kubectl-certs creates';
export const OWN_CA: Issuer = 'a CA that kubectl-certs creates';

export interface IssuerDecision {
  issuer: Issuer;
  /** Why this issuer, one sentence each, whenever cert-manager is installed. */
  notes: string[];
  /** Why no issuer can be chosen now: the leg is blocked (cannot decide is not a choice). */
  blocked?: string | undefined;
}

/** Our own CA, with nothing to weigh (no cert-manager, or --issuer=kubectl-certs). */
export const OWN_CA_DECISION: IssuerDecision = { issuer: OWN_CA, notes: [] };

const ROLE: Record<CertManagerComponent, string> = {
  controller: "cert-manager's controller",
  cainjector: "cert-manager's cainjector",
};

type Judged = { live: boolean | undefined; text: string };

/** One Lease judged as a leader-election candidate judges it: held, and renewed within its duration. */
export function judgeLease(component: CertManagerComponent, read: LeaseRead, now: Date): Judged {
  const who = ROLE[component];
  const ref = `${CERT_MANAGER_LEASE_NAMESPACE}/${CERT_MANAGER_LEASES[component]}`;
  const lease = `the Lease ${ref}`;
  if (read.state === 'forbidden')
    return {
      live: undefined,
      text: `cannot tell whether ${who} is running: reading ${lease} is forbidden (missing permission: ${read.permission})`,
    };
  if (read.state === 'absent')
    return {
      live: false,
      text: `${who} is not running: there is no Lease ${ref} (a running one holds it, unless its --leader-election-namespace is another)`,
    };
  const renewed = read.renewTime ? new Date(read.renewTime) : undefined;
  const at = renewed && !Number.isNaN(renewed.getTime()) ? renewed : undefined;
  const when = at ? `${at.toISOString()}, ${shortHumanDuration(now.getTime() - at.getTime())} ago` : 'never';
  if (!read.holderIdentity)
    return {
      live: false,
      text: `${who} is not running: ${lease} is held by no one (released; last renewed ${when})`,
    };
  const seconds = read.leaseDurationSeconds ?? 0;
  const by = `by ${read.holderIdentity}, lease ${seconds}s`;
  if (!at || now.getTime() - at.getTime() > seconds * 1000)
    return { live: false, text: `${who} is not running: ${lease} was last renewed ${when} (${by})` };
  return { live: true, text: `${who} is running: ${lease} was renewed ${when} (${by})` };
}

/** The issuer of metrics-server's serving certificate, from what was read and --issuer. */
export function chooseIssuer(facts: CertManagerFacts, choice: IssuerChoice, now: Date): IssuerDecision {
  if (choice === 'kubectl-certs') return OWN_CA_DECISION;
  if (!facts.crd)
    return choice === 'auto'
      ? OWN_CA_DECISION
      : {
          issuer: 'cert-manager',
          notes: [],
          blocked:
            '--issuer=cert-manager: cert-manager is not installed (no CustomResourceDefinition certificates.cert-manager.io)',
        };
  const judged = (Object.keys(CERT_MANAGER_LEASES) as CertManagerComponent[]).map((c) =>
    judgeLease(c, facts.leases[c], now),
  );
  const texts = judged.map((j) => j.text);
  const dead = judged.some((j) => j.live === false);
  const unknown = judged.some((j) => j.live === undefined);
  if (choice === 'cert-manager')
    return {
      issuer: 'cert-manager',
      notes: [
        ...texts,
        ...(dead || unknown
          ? [
              '--issuer=cert-manager: its objects are written anyway; if nothing issues the Certificate and fills the caBundle within --timeout, --apply rolls back',
            ]
          : []),
      ],
    };
  // auto: a component that surely is not running is enough to know cert-manager cannot finish.
  if (dead)
    return {
      issuer: OWN_CA,
      notes: [
        ...texts,
        `cert-manager's CRDs are installed but it cannot issue now, so the serving certificate comes from ${OWN_CA} (--issuer=cert-manager to use cert-manager anyway)`,
      ],
    };
  if (unknown)
    return {
      issuer: 'cert-manager',
      notes: judged.filter((j) => j.live).map((j) => j.text),
      blocked: `${judged
        .filter((j) => j.live === undefined)
        .map((j) => j.text)
        .join('; ')}: grant that, or choose with --issuer=cert-manager or --issuer=kubectl-certs`,
    };
  return { issuer: 'cert-manager', notes: texts };
}
