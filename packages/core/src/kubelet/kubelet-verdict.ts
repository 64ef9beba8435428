import type { CheckResult, NodeAddress } from '../csr-policy/types.ts';
import { fail, pass } from '../csr-policy/types.ts';
import type { CertificateInfo } from '../x509/certificate.ts';
import { issuedByServedCa, validityError, verifyChain } from '../x509/chain.ts';
import { formatSans } from '../x509/subject-alt-names.ts';
import { type ConfigzEvidence, configzCheck } from './configz-check.ts';
import { hostnameError } from './hostname.ts';
import {
  noServingCertificateYet,
  type PendingCsrsEvidence,
  pendingCsrsCheck,
} from './pending-serving-csr.ts';

/** metrics-server's default --kubelet-preferred-address-types. */
export const DEFAULT_ADDRESS_TYPES = ['InternalIP', 'ExternalIP', 'Hostname'];

/** Everything gathered about one kubelet; failures to gather are recorded, not thrown. */
export interface KubeletEvidence {
  node: string;
  addresses: NodeAddress[];
  port: number;
  preferredAddressTypes: string[];
  /** The chain served at the endpoint metrics-server would use (leaf first), or why it could not be read. */
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
  /** The error metrics-server would log (Go's wording), when FAIL. */
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
 * verify this kubelet? Go's order decides the first cause: validity period, then the host
 * (the address metrics-server dials), then the chain to a trusted root.
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
      cause: noCertYet ?? checks[0]?.message,
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

  const expired = validityError(leaf, e.now);
  checks.push(
    expired ? fail('validity', expired) : pass('validity', `valid until ${leaf.notAfter.toISOString()}`),
  );

  const addresses: AddressResult[] = e.addresses.map((a) => {
    const err = hostnameError(leaf, a.address);
    return {
      type: a.type,
      address: a.address,
      used: a === target,
      ok: !err,
      message: err ?? `the certificate is valid for ${a.address}`,
    };
  });
  const used = addresses.find((a) => a.used) as AddressResult;
  checks.push(used.ok ? pass('hostname', used.message) : fail('hostname', used.message));

  let chainMessage: string;
  if (e.roots.ok) {
    const r = await verifyChain(chain, e.roots.certs, e.now);
    chainMessage = r.ok ? `chains to ${e.roots.source}` : r.message;
    checks.push(
      r.ok ? pass('chain', chainMessage) : fail('chain', `${r.message} (trusting ${e.roots.source})`),
    );
  } else {
    chainMessage = `cannot read the CA bundle from ${e.roots.source}: ${e.roots.error}`;
    checks.push(fail('chain', chainMessage));
  }

  checks.push(configzCheck(e.configz));
  checks.push(pendingCsrsCheck(pendingEvidence(e)));

  const goOrder = ['validity', 'hostname', 'chain'];
  const cause = goOrder
    .map((id) => checks.find((c) => c.id === id && c.outcome === 'fail'))
    .find(Boolean)?.message;
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
      expired: Boolean(expired),
      chainFails: checks.some((c) => c.id === 'chain' && c.outcome === 'fail'),
    }),
  };
}

function pendingEvidence(e: KubeletEvidence): PendingCsrsEvidence {
  return e.pendingCsrsError === undefined
    ? { ok: true, names: e.pendingCsrs }
    : { ok: false, error: e.pendingCsrsError };
}

interface Findings {
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
  if (f.failing && f.chainFails && !f.selfSigned && !bootstrapOff) {
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
