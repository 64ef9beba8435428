import type { LintOptions } from '../lint/types.ts';
import {
  type ApiServiceLegPlan,
  type ApiServiceSummary,
  type MetricsApiAnswer,
  planApiServiceLeg,
} from './apiservice-leg.ts';
import type { ApproverLocation } from './approver-location.ts';
import { type CertManagerFacts, chooseIssuer, type IssuerChoice } from './cert-manager-liveness.ts';
import { type ExternalManager, externalManager } from './external-manager.ts';
import { serverTlsBootstrapSteps } from './kubelet-bootstrap.ts';
import { type KubeletLegPlan, type KubeletStatus, planKubeletLeg } from './kubelet-leg.ts';
import type { WorkloadSummary } from './metrics-server-workload.ts';

/** A kubelet as inspect-kubelet judged it, and whether it serves a self-signed certificate. */
export interface KubeletFacts extends KubeletStatus {
  selfSigned: boolean;
}

export interface SecureInputs {
  workload: WorkloadSummary;
  deploymentYaml: string;
  /** The metrics-server container's command and args. */
  args: string[];
  apiService: ApiServiceSummary | undefined;
  /** cert-manager's CRD and its controllers' Leases, as read. */
  certManager: CertManagerFacts;
  /** --issuer (default auto: cert-manager only when it runs). */
  issuer?: IssuerChoice | undefined;
  kubeadmKubeletConfigMap: string | undefined;
  kubelets: KubeletFacts[];
  /** What the metrics API answered through the aggregator (read-only), when it was asked. */
  metricsApi?: MetricsApiAnswer | undefined;
  allowUnverifiedNodes: string[];
  /** Where the approver is (secure metrics-server finds it): the CA Secret and the renewal's RBAC go there. */
  approver?: ApproverLocation | undefined;
  now: Date;
  lintOptions?: Partial<LintOptions>;
}

export interface SecurePlan {
  metricsServer: { namespace: string; name: string; managedBy?: ExternalManager | undefined };
  kubelets: KubeletFacts[];
  kubeletLeg: KubeletLegPlan & { serverTlsBootstrap: string[] };
  apiServiceLeg: ApiServiceLegPlan;
  /** Both legs verify today. */
  done: boolean;
}

/** The plan of `secure metrics-server`: both legs, from what was read, deciding nothing else. */
export function planSecureMetricsServer(i: SecureInputs): SecurePlan {
  const kubeletLeg = planKubeletLeg(i.deploymentYaml, i.kubelets, i.allowUnverifiedNodes, i.lintOptions);
  const selfSigned = i.kubelets.filter((k) => k.selfSigned).map((k) => k.node);
  const servesOwn = ['--tls-cert-file', '--tls-private-key-file'].every((f) =>
    i.args.some((a) => a === f || a.startsWith(`${f}=`)),
  );
  const live = i.metricsApi ? { answer: i.metricsApi, nodes: i.kubelets.map((k) => k.node) } : undefined;
  const apiServiceLeg = planApiServiceLeg(
    i.apiService,
    servesOwn,
    chooseIssuer(i.certManager, i.issuer ?? 'auto', i.now),
    i.now,
    live,
    i.workload.name,
    i.approver,
  );
  return {
    metricsServer: {
      namespace: i.workload.namespace,
      name: i.workload.name,
      managedBy: externalManager(i.workload),
    },
    kubelets: i.kubelets,
    kubeletLeg: {
      ...kubeletLeg,
      serverTlsBootstrap: serverTlsBootstrapSteps(selfSigned, i.kubeadmKubeletConfigMap),
    },
    apiServiceLeg,
    done: kubeletLeg.state === 'done' && kubeletLeg.blockers.length === 0 && apiServiceLeg.state === 'done',
  };
}
