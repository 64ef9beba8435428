import { describe, expect, it } from 'vitest';
import {
  type CertManagerFacts,
  chooseIssuer,
  type IssuerChoice,
  type IssuerDecision,
  type LeaseRead,
} from '../../src/secure/cert-manager-liveness.ts';

const now = new Date('2026-12-02T14:00:00.000Z');
const ago = (s: number) => new Date(now.getTime() - s * 1000).toISOString();
// As cert-manager's leaders write them: identity <hostname>-external-cert-manager-controller, 60s.
const held = (holder: string, renewedSecondsAgo: number): LeaseRead => ({
  state: 'found',
  holderIdentity: holder,
  renewTime: ago(renewedSecondsAgo),
  leaseDurationSeconds: 60,
});
const CONTROLLER = 'cert-manager-6d8c-external-cert-manager-controller';
const CAINJECTOR = 'cert-manager-cainjector-5c9f_1b2e';
const running = held(CONTROLLER, 10);
const injecting = held(CAINJECTOR, 5);
// What ReleaseOnCancel leaves on a clean shutdown: no holder, leaseDurationSeconds 1.
const released: LeaseRead = {
  state: 'found',
  holderIdentity: '',
  renewTime: ago(120),
  leaseDurationSeconds: 1,
};
const forbidden: LeaseRead = {
  state: 'forbidden',
  permission: 'get leases "cert-manager-controller" (coordination.k8s.io) in namespace kube-system',
};
const installed = (controller: LeaseRead, cainjector: LeaseRead): CertManagerFacts => ({
  crd: true,
  leases: { controller, cainjector },
});

const CONTROLLER_RUNS = `cert-manager's controller is running: the Lease kube-system/cert-manager-controller was renewed ${ago(10)}, 10s ago (by ${CONTROLLER}, lease 60s)`;
const CAINJECTOR_RUNS = `cert-manager's cainjector is running: the Lease kube-system/cert-manager-cainjector-leader-election was renewed ${ago(5)}, 5s ago (by ${CAINJECTOR}, lease 60s)`;
const FALLBACK =
  "cert-manager's CRDs are installed but it cannot issue now, so the serving certificate comes from a CA that kubectl-certs creates (--issuer=cert-manager to use cert-manager anyway)";
const ANYWAY =
  '--issuer=cert-manager: its objects are written anyway; if nothing issues the Certificate and fills the caBundle within --timeout, --apply rolls back';
const OWN = 'a CA that kubectl-certs creates';

describe('which issuer gives metrics-server its serving certificate', () => {
  it.each<[string, CertManagerFacts, IssuerChoice, IssuerDecision]>([
    ['no cert-manager: our CA, nothing to say', { crd: false }, 'auto', { issuer: OWN, notes: [] }],
    [
      'cert-manager running (both Leases renewed within their duration): cert-manager',
      installed(running, injecting),
      'auto',
      { issuer: 'cert-manager', notes: [CONTROLLER_RUNS, CAINJECTOR_RUNS] },
    ],
    [
      'the CRDs but no controller Lease at all: our CA, and why',
      installed({ state: 'absent' }, injecting),
      'auto',
      {
        issuer: OWN,
        notes: [
          "cert-manager's controller is not running: there is no Lease kube-system/cert-manager-controller (a running one holds it, unless its --leader-election-namespace is another)",
          CAINJECTOR_RUNS,
          FALLBACK,
        ],
      },
    ],
    [
      'a controller Lease left by a crashed controller (last renewed 10m ago, lease 60s): our CA',
      installed(held(CONTROLLER, 600), injecting),
      'auto',
      {
        issuer: OWN,
        notes: [
          `cert-manager's controller is not running: the Lease kube-system/cert-manager-controller was last renewed ${ago(600)}, 10m ago (by ${CONTROLLER}, lease 60s)`,
          CAINJECTOR_RUNS,
          FALLBACK,
        ],
      },
    ],
    [
      'a renewal 61s ago on a 60s lease is expired',
      installed(held(CONTROLLER, 61), injecting),
      'auto',
      expect.objectContaining({ issuer: OWN }) as IssuerDecision,
    ],
    [
      'both Leases released on shutdown (uninstalled): our CA',
      installed(released, released),
      'auto',
      {
        issuer: OWN,
        notes: [
          `cert-manager's controller is not running: the Lease kube-system/cert-manager-controller is held by no one (released; last renewed ${ago(120)}, 2m ago)`,
          `cert-manager's cainjector is not running: the Lease kube-system/cert-manager-cainjector-leader-election is held by no one (released; last renewed ${ago(120)}, 2m ago)`,
          FALLBACK,
        ],
      },
    ],
    [
      'the controller running but no cainjector (nothing would fill the caBundle): our CA',
      installed(running, { state: 'absent' }),
      'auto',
      {
        issuer: OWN,
        notes: [
          CONTROLLER_RUNS,
          "cert-manager's cainjector is not running: there is no Lease kube-system/cert-manager-cainjector-leader-election (a running one holds it, unless its --leader-election-namespace is another)",
          FALLBACK,
        ],
      },
    ],
    [
      'a Lease it may not read: undecided, with the exact permission',
      installed(forbidden, injecting),
      'auto',
      {
        issuer: 'cert-manager',
        notes: [CAINJECTOR_RUNS],
        blocked:
          'cannot tell whether cert-manager\'s controller is running: reading the Lease kube-system/cert-manager-controller is forbidden (missing permission: get leases "cert-manager-controller" (coordination.k8s.io) in namespace kube-system): grant that, or choose with --issuer=cert-manager or --issuer=kubectl-certs',
      },
    ],
    [
      'a Lease it may not read, but the other one surely dead: our CA',
      installed(forbidden, { state: 'absent' }),
      'auto',
      {
        issuer: OWN,
        notes: [
          'cannot tell whether cert-manager\'s controller is running: reading the Lease kube-system/cert-manager-controller is forbidden (missing permission: get leases "cert-manager-controller" (coordination.k8s.io) in namespace kube-system)',
          "cert-manager's cainjector is not running: there is no Lease kube-system/cert-manager-cainjector-leader-election (a running one holds it, unless its --leader-election-namespace is another)",
          FALLBACK,
        ],
      },
    ],
    [
      '--issuer=kubectl-certs with cert-manager running: our CA',
      installed(running, injecting),
      'kubectl-certs',
      { issuer: OWN, notes: [] },
    ],
    [
      '--issuer=cert-manager with cert-manager running: cert-manager',
      installed(running, injecting),
      'cert-manager',
      { issuer: 'cert-manager', notes: [CONTROLLER_RUNS, CAINJECTOR_RUNS] },
    ],
    [
      '--issuer=cert-manager without a running controller: cert-manager, warned',
      installed(released, injecting),
      'cert-manager',
      {
        issuer: 'cert-manager',
        notes: [
          `cert-manager's controller is not running: the Lease kube-system/cert-manager-controller is held by no one (released; last renewed ${ago(120)}, 2m ago)`,
          CAINJECTOR_RUNS,
          ANYWAY,
        ],
      },
    ],
    [
      '--issuer=cert-manager without its CRDs: blocked',
      { crd: false },
      'cert-manager',
      {
        issuer: 'cert-manager',
        notes: [],
        blocked:
          '--issuer=cert-manager: cert-manager is not installed (no CustomResourceDefinition certificates.cert-manager.io)',
      },
    ],
  ])('%s', (_what, facts, choice, decision) => {
    expect(chooseIssuer(facts, choice, now)).toEqual(decision);
  });
});
