import type { CheckResult, NodeAddress } from '../csr-policy/types.ts';
import { fail, pass } from '../csr-policy/types.ts';
import type { CertificateInfo } from '../x509/certificate.ts';
import { issuedByServedCa } from '../x509/chain.ts';
import { formatSans } from '../x509/subject-alt-names.ts';
import { type ConfigzEvidence, configzCheck } from './configz-check.ts';
import { hostnameError } from './hostname.ts';
import {
  noServingCertificateYet,
  type PendingCsrsEvidence,
  pendingCsrsCheck,
} from './pending-serving-csr.ts';
import { verifyServer } from './server-verification.ts';

/** metrics-server's default --kubelet-preferred-address-types. */
export const DEFAULT_ADDRESS_TYPES = ['InternalIP', 'ExternalIP', 'Hostname'];

/** Everything gathered about one kubelet; failures to gather are recorded, not thrown. */
export interface KubeletEvidence {
  node: string;
  addresses: NodeAddress[];
  port: number;
  preferredAddressTypes: string[];
  /** The chain served at the endpoint metrics-server would use (leaf first), or why it could not be read (Go's words: it is the cause). */
  served: { ok: true; chain: CertificateInfo[] } | { ok: false; error: string };
  /** The CA bundle a client trusts, and where it came from. */
  roots:
    | { ok: true; certs: CertificateInfo[]; source: string }
    | { ok: false; error: string; source: string };
  configz: ConfigzEvidence;
  pendingCsrs: string[];
  /** Why the pending CSRs could not be listed: then `pendingCsrs` is unknown, not empty. */
  pendingCsrsError?: string | undefined;
  now: Date;
}

export interface AddressResult {
  type: string;
  address: string;
  /** metrics-server connects to this one: the first address of a preferred type. */
  used: boolean;
  ok: boolean;
  message: string;
}

export interface KubeletVerdict {
  node: string;
  endpoint: string;
  verdict: 'OK' | 'FAIL';
  /** The error metrics-server would log (Go's exact text, as a Go 1.19 client prints it), when FAIL. */
  cause?: string;
  certificate?: { subject: string; issuer: string; selfSigned: boolean; notAfter: string; sans: string[] };
  addresses: AddressResult[];
  checks: CheckResult[];
  remediation: string[];
}

/** The address metrics-server picks: the first of the node's addresses of the first preferred type it has. */
export function preferredAddress(addresses: NodeAddress[], types: string[]): NodeAddress | undefined {
  for (const t of types) {
    const a = addresses.find((x) => x.type === t && x.address);
    if (a) return a;
  }
  return undefined;
}

/** kubeadm's kubelet without serverTLSBootstrap: certutil's "<node>@<unix time>" signed by "<node>-ca@<unix time>", or truly self-signed. */
export function isKubeletSelfSigned(leaf: CertificateInfo, chain: CertificateInfo[], node: string): boolean {
  const cn = leaf.subject.commonNames[0] ?? '';
  const issuerCn = leaf.issuer.commonNames[0] ?? '';
  return (
    leaf.selfIssued ||
    (cn.startsWith(`${node}@`) && issuerCn.startsWith(`${node}-ca@`)) ||
    (issuerCn.includes('@') && issuedByServedCa(leaf, chain.slice(1)))
  );
}

/**
 * Would a client that trusts `roots` (like metrics-server with --kubelet-certificate-authority)
 * verify this kubelet? The cause is Go's Certificate.Verify error for the address metrics-server
 * dials (see verifyServer: the leaf, then the name, then the chain and its key usage); the checks
 * show each step, and every address line is Go's verdict for that address.
 */
export async function judgeKubelet(e: KubeletEvidence): Promise<KubeletVerdict> {
  const target = preferredAddress(e.addresses, e.preferredAddressTypes);
  const endpoint = target
    ? `https://${target.address.includes(':') ? `[${target.address}]` : target.address}:${e.port}`
    : '(no address)';
  const checks: CheckResult[] = [];
  const base = { node: e.node, endpoint, checks };
  if (!target) {
    const msg = `Node ${e.node} has no address of the types ${e.preferredAddressTypes.join(', ')}`;
    return {
      ...base,
      verdict: 'FAIL',
      cause: msg,
      addresses: [],
      checks: [fail('address', msg)],
      remediation: remediate(e, { unreachable: true }),
    };
  }
  if (!e.served.ok) {
    const noCertYet = noServingCertificateYet(e.served.error, pendingEvidence(e));
    checks.push(fail('reachable', `cannot read the kubelet's certificate at ${endpoint}: ${e.served.error}`));
    checks.push(configzCheck(e.configz));
    checks.push(pendingCsrsCheck(pendingEvidence(e)));
    const addresses = e.addresses.map((a) => ({
      ...a,
      used: a === target,
      ok: false,
      message: noCertYet
        ? 'not checked: the kubelet has no serving certificate yet'
        : 'not checked: the kubelet could not be reached',
    }));
    return {
      ...base,
      verdict: 'FAIL',
      cause: noCertYet ?? e.served.error,
      addresses,
      remediation: noCertYet
        ? remediate(e, { failing: true, awaitingApproval: true })
        : remediate(e, { unreachable: true }),
    };
  }
  const chain = e.served.chain;
  const leaf = chain[0] as CertificateInfo;
  checks.push(pass('reachable', `the kubelet at ${endpoint} serves a certificate`));
  const selfSigned = isKubeletSelfSigned(leaf, chain, e.node);
  checks.push(
    selfSigned
      ? fail(
          'self-signed',
          `the kubelet serves a self-signed certificate (${leaf.subject.text}), as it does without serverTLSBootstrap`,
        )
      : pass('self-signed', `issued by ${leaf.issuer.text}`),
  );

  const verification = await verifyServer(
    chain,
    e.roots.ok
      ? e.roots.certs
      : { unavailable: `cannot read the CA bundle from ${e.roots.source}: ${e.roots.error}` },
    e.now,
  );
  const leafProblem = verification.leaf;
  checks.push(
    leafProblem
      ? fail('validity', leafProblem)
      : pass('validity', `valid until ${leaf.notAfter.toISOString()}`),
  );
  const nameProblem = hostnameError(leaf, target.address);
  checks.push(
    nameProblem
      ? fail('hostname', nameProblem)
      : pass('hostname', `the certificate is valid for ${target.address}`),
  );
  const { authority } = verification;
  const chainProblem = authority.ok ? undefined : authority.message;
  checks.push(
    !chainProblem
      ? pass('chain', `chains to ${e.roots.source}`)
      : fail('chain', e.roots.ok ? `${chainProblem} (trusting ${e.roots.source})` : chainProblem),
  );
  // Each address gets Go's whole verdict for that name, as metrics-server would if it dialled it.
  const errorFor = verification.errorFor;
  const addresses: AddressResult[] = e.addresses.map((a) => {
    const err = errorFor(a.address);
    return {
      type: a.type,
      address: a.address,
      used: a === target,
      ok: !err,
      message: err ?? `a Go client verifies the certificate for ${a.address}`,
    };
  });

  checks.push(configzCheck(e.configz));
  checks.push(pendingCsrsCheck(pendingEvidence(e)));

  const cause = errorFor(target.address);
  return {
    ...base,
    verdict: cause ? 'FAIL' : 'OK',
    ...(cause ? { cause } : {}),
    certificate: {
      subject: leaf.subject.text,
      issuer: leaf.issuer.text,
      selfSigned,
      notAfter: leaf.notAfter.toISOString(),
      sans: formatSans(leaf.sans),
    },
    addresses,
    remediation: remediate(e, {
      selfSigned,
      failing: Boolean(cause),
      expired: Boolean(leafProblem),
      chainFails: Boolean(chainProblem),
      unusable: authority.failure === 'incompatible-usage' || Boolean(chainProblem?.includes(INSECURE)),
    }),
  };
}

function pendingEvidence(e: KubeletEvidence): PendingCsrsEvidence {
  return e.pendingCsrsError === undefined
    ? { ok: true, names: e.pendingCsrs }
    : { ok: false, error: e.pendingCsrsError };
}

/** In Go's hint when the certificate is signed with SHA-1 or MD5: no CA bundle fixes that, re-issuing does. */
const INSECURE = 'insecure algorithm';

interface Findings {
  /** The certificate itself is refused (no serverAuth, an insecure signature): it must be re-issued. */
  unusable?: boolean;
  unreachable?: boolean;
  selfSigned?: boolean;
  failing?: boolean;
  expired?: boolean;
  chainFails?: boolean;
  /** The kubelet serves nothing yet: its serving CSR waits for approval. */
  awaitingApproval?: boolean;
}

/** Numbered steps for what was found, most fundamental first. */
function remediate(e: KubeletEvidence, f: Findings): string[] {
  const steps: string[] = [];
  if (f.unreachable) {
    steps.push(
      `Make the kubelet reachable: it must listen on port ${e.port} of the node's ${e.preferredAddressTypes.join('/')} address, and firewalls must let this machine (and metrics-server) connect.`,
    );
    return steps;
  }
  const bootstrapOff = e.configz.ok ? e.configz.serverTLSBootstrap !== true : f.selfSigned;
  if (f.failing && bootstrapOff) {
    steps.push(
      'Set serverTLSBootstrap: true (and rotateCertificates: true) in the KubeletConfiguration. On kubeadm clusters: kubectl -n kube-system edit configmap kubelet-config, then on each node run `kubeadm upgrade node phase kubelet-config` (or edit /var/lib/kubelet/config.yaml) and `systemctl restart kubelet`.',
    );
  }
  if (
    f.failing &&
    (bootstrapOff || f.selfSigned || f.expired || f.awaitingApproval || e.pendingCsrs.length)
  ) {
    const which = e.pendingCsrs.length ? ` (pending now: ${e.pendingCsrs.join(', ')})` : '';
    steps.push(`Approve the kubelet's serving CSR${which}: kubectl certs approve-serving --node ${e.node}`);
  }
  if (f.failing && f.unusable && !f.selfSigned) {
    steps.push(
      'Re-issue the kubelet\'s serving certificate: Go clients refuse it (it must allow "server auth" in its extended key usage and be signed with SHA-256 or better). With serverTLSBootstrap: true the kubelet requests one that the cluster signer issues so; delete the certificate files (tlsCertFile) it serves today.',
    );
  } else if (f.failing && f.chainFails && !f.selfSigned && !bootstrapOff) {
    steps.push(
      "The certificate is not signed by the CA checked here: point metrics-server's --kubelet-certificate-authority (and --ca-file of this command) at the CA that signs kubelet serving certificates.",
    );
  }
  if (f.failing) steps.push(`Check again: kubectl certs inspect-kubelet ${e.node}`);
  steps.push(
    'Remove --kubelet-insecure-tls from metrics-server and give it --kubelet-certificate-authority with the cluster CA (kubectl certs lint checks the manifest).',
  );
  return steps;
}
