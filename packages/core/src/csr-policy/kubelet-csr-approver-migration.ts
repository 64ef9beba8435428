import { DEFAULT_OPTIONS } from './types.ts';

/**
 * One setting of postfinance/kubelet-csr-approver (its Helm values key, or the environment variable
 * its Deployment passes) and what becomes of it here.
 */
export interface MigratedSetting {
  /** The chart key, e.g. providerRegex. */
  setting: string;
  /** Its value as given, as text. */
  theirs: string;
  /** Our flags that carry it over; empty when nothing is needed (or nothing can be). */
  ours: string[];
  /** What changes, in one or two sentences. */
  note: string;
  /** True where we refuse something they would approve. */
  stricter: boolean;
}

export interface Migration {
  /** Our flags for the whole configuration, in the order of the settings. */
  args: string[];
  settings: MigratedSetting[];
  /** Settings that cannot be carried over as given (an invalid value, an unknown key). */
  problems: string[];
}

/** Chart keys that configure the Deployment, not the policy: `approver install` has its own. */
const DEPLOYMENT_KEYS = new Set([
  'loggingLevel',
  'namespace',
  'image',
  'imagePullSecrets',
  'nameOverride',
  'fullnameOverride',
  'metrics',
  'serviceAccount',
  'podAnnotations',
  'podSecurityContext',
  'securityContext',
  'resources',
  'nodeSelector',
  'tolerations',
  'affinity',
  'rbac',
  'env',
  'dnsPolicy',
  'replicaCount',
  'priorityClassName',
  'leaderElection',
  'extraObjects',
  'extraList',
]);

/** The environment variables the chart (or a hand-written Deployment) sets, by chart key. */
const ENV_NAMES: Record<string, string> = {
  PROVIDER_REGEX: 'providerRegex',
  PROVIDER_IP_PREFIXES: 'providerIpPrefixes',
  MAX_EXPIRATION_SEC: 'maxExpirationSeconds',
  MAX_EXPIRATION_SECONDS: 'maxExpirationSeconds',
  BYPASS_DNS_RESOLUTION: 'bypassDnsResolution',
  IGNORE_NON_SYSTEM_NODE: 'ignoreNonSystemNode',
  ALLOWED_DNS_NAMES: 'allowedDnsNames',
  BYPASS_HOSTNAME_CHECK: 'bypassHostnameCheck',
  SKIP_DENY_STEP: 'skipDenyStep',
};

/** kubelet-csr-approver refuses to start above 367 days. */
const MAX_SECONDS = 367 * 24 * 3600;

type Translate = (
  value: unknown,
  problems: string[],
) => Omit<MigratedSetting, 'setting' | 'theirs'> | undefined;

const SAN_RULE =
  "Every DNS SAN must be the node name or one of its Hostname/InternalDNS/ExternalDNS addresses, and every IP SAN one of its addresses and no other node's";

const TRANSLATIONS: Record<string, Translate> = {
  providerRegex: (v, problems) => {
    const source = text(v);
    if (source === '' || source === '.*')
      return {
        ours: [],
        note: `Unset, theirs accepts every name; ours needs no pattern because ${lower(SAN_RULE)}. Add --node-name-pattern to restrict node names too.`,
        stricter: true,
      };
    const anchored = source.startsWith('^') && source.endsWith('$');
    const pattern = anchored ? source : `.*(?:${source}).*`;
    try {
      new RegExp(pattern);
    } catch (e) {
      problems.push(
        `providerRegex ${JSON.stringify(source)} is not a regular expression we can read (${(e as Error).message}); rewrite it for --node-name-pattern`,
      );
      return undefined;
    }
    return {
      ours: [`--node-name-pattern=${pattern}`],
      note: `Theirs tests the DNS SAN${anchored ? '' : " and matches anywhere in it (Go's MatchString), so it is wrapped in .*(...).* to keep that meaning; anchor it with ^...$ to be strict"}; ours tests the whole node name. ${SAN_RULE}.`,
      stricter: true,
    };
  },
  providerIpPrefixes: (v, problems) => {
    const prefixes = (Array.isArray(v) ? v.map(text) : text(v).split(','))
      .map((p) => p.trim())
      .filter(Boolean);
    const everything = prefixes.length === 0 || prefixes.every((p) => p === '0.0.0.0/0' || p === '::/0');
    if (everything)
      return {
        ours: [],
        note: `Every address is allowed by theirs; ours needs no range because ${lower(SAN_RULE)}.`,
        stricter: true,
      };
    const bad = prefixes.filter((p) => !/^[0-9a-fA-F:.]+\/\d{1,3}$/.test(p));
    if (bad.length)
      problems.push(
        `providerIpPrefixes: ${bad.join(', ')} ${bad.length === 1 ? 'is not a CIDR' : 'are not CIDRs'}`,
      );
    return {
      ours: [`--allowed-ip-ranges=${prefixes.join(',')}`],
      note: `The same ranges; on top of them every IP SAN must be an address of the requesting Node.`,
      stricter: true,
    };
  },
  maxExpirationSeconds: (v, problems) => {
    const s = text(v);
    if (s === '')
      return {
        ours: [`--max-expiration=${MAX_SECONDS}s`],
        note: 'Their default, 367 days, made explicit: we set no maximum unless asked.',
        stricter: false,
      };
    const n = Number(s);
    if (!Number.isInteger(n) || n < 0 || n > MAX_SECONDS) {
      problems.push(
        `maxExpirationSeconds ${JSON.stringify(s)} is not a whole number of seconds from 0 to ${MAX_SECONDS} (367 days)`,
      );
      return undefined;
    }
    return {
      ours: [`--max-expiration=${n}s`],
      note: 'The same limit on spec.expirationSeconds.',
      stricter: false,
    };
  },
  bypassDnsResolution: (v) => ({
    ours: [],
    note: bool(v)
      ? 'Nothing to bypass: ours never needs node names to resolve in DNS; SANs are checked against the Node object.'
      : "Ours does not need DNS: SANs are checked against the Node object, so names that do not resolve (a common reason to set bypassDnsResolution) are fine. Add --resolve-dns to also require that DNS SANs resolve only to the node's addresses.",
    stricter: false,
  }),
  ignoreNonSystemNode: (v) => ({
    ours: [],
    note: bool(v)
      ? 'A CSR not filed by system:node:<name> is never approved; ours leaves it Pending (or Denied with --deny) and reports why, instead of ignoring it silently.'
      : 'The same: a CSR not filed by system:node:<name> is refused.',
    stricter: false,
  }),
  allowedDnsNames: (v, problems) => {
    const n = Number(text(v));
    if (!Number.isInteger(n) || n < 0) {
      problems.push(`allowedDnsNames ${JSON.stringify(text(v))} is not a whole number`);
      return undefined;
    }
    return {
      ours: [],
      note: `Theirs caps DNS SANs at ${n}; ours caps DNS + IP SANs together at --max-sans (default ${DEFAULT_OPTIONS.maxSans}) and accepts only names that are the Node's own, so a count is no longer what keeps foreign names out.`,
      stricter: true,
    };
  },
  bypassHostnameCheck: (v) => ({
    ours: [],
    note: bool(v)
      ? `No equivalent, on purpose: theirs then signs DNS names unrelated to the node. ${SAN_RULE}; put extra names in the Node's addresses (InternalDNS/ExternalDNS) instead.`
      : `Theirs only checks that the DNS SAN starts with the node name (node "a" could get "auth.example.com"); ${lower(SAN_RULE)}.`,
    stricter: true,
  }),
  skipDenyStep: (v) =>
    bool(v)
      ? {
          ours: [],
          note: 'Ours never writes Denied unless --deny is given: refused CSRs stay Pending with their reasons reported.',
          stricter: false,
        }
      : {
          ours: ['--deny'],
          note: 'Theirs writes Denied on every refusal; --deny does the same. Ours never denies because of its own trouble (a timeout, an API error): such a CSR stays Pending and is retried.',
          stricter: false,
        },
};

/** The settings that decide approvals, in the order the chart documents them. */
export const KUBELET_CSR_APPROVER_SETTINGS = Object.keys(TRANSLATIONS);

/**
 * Our flags for a kubelet-csr-approver configuration: its Helm values (as parsed YAML), including
 * settings passed through the chart's `env` list by their environment variable names. Settings
 * left at their defaults are still explained, so a user sees where we differ.
 */
export function migrateKubeletCsrApprover(values: unknown): Migration {
  const problems: string[] = [];
  if (values === null || typeof values !== 'object' || Array.isArray(values)) {
    return { args: [], settings: [], problems: ['the values file is not a YAML mapping of chart values'] };
  }
  const given = {
    ...(values as Record<string, unknown>),
    ...fromEnv((values as Record<string, unknown>).env, problems),
  };
  for (const key of Object.keys(given))
    if (!(key in TRANSLATIONS) && !DEPLOYMENT_KEYS.has(key))
      problems.push(
        `${key} is not a kubelet-csr-approver setting (a typo? the settings are ${KUBELET_CSR_APPROVER_SETTINGS.join(', ')})`,
      );
  const settings: MigratedSetting[] = [];
  for (const [setting, translate] of Object.entries(TRANSLATIONS)) {
    const value = given[setting] ?? defaults[setting];
    const out = translate(value, problems);
    if (out) settings.push({ setting, theirs: text(value), ...out });
  }
  return { args: settings.flatMap((s) => s.ours), settings, problems };
}

/** The chart's documented defaults (and the controller's, for the keys the chart does not list). */
const defaults: Record<string, unknown> = {
  providerRegex: '',
  providerIpPrefixes: [],
  maxExpirationSeconds: '',
  bypassDnsResolution: false,
  ignoreNonSystemNode: false,
  allowedDnsNames: 1,
  bypassHostnameCheck: false,
  skipDenyStep: false,
};

function fromEnv(env: unknown, problems: string[]): Record<string, unknown> {
  if (env === undefined || env === null) return {};
  if (!Array.isArray(env)) {
    problems.push('env is not a list of {name, value}');
    return {};
  }
  const out: Record<string, unknown> = {};
  for (const e of env as { name?: unknown; value?: unknown }[]) {
    const key = typeof e?.name === 'string' ? ENV_NAMES[e.name] : undefined;
    if (key) out[key] = e.value;
  }
  return out;
}

function text(v: unknown): string {
  if (v === undefined || v === null) return '';
  return Array.isArray(v) ? v.map(text).join(',') : String(v);
}

/** Go's strconv.ParseBool, which kubelet-csr-approver uses for its booleans. */
function bool(v: unknown): boolean {
  return ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text(v));
}

function lower(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}
