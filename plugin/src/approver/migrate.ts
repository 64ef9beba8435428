import ipaddr from 'ipaddr.js';
import { parse } from 'yaml';

/** How one kubelet-csr-approver setting maps to ours. */
export interface SettingMapping {
  setting: string;
  /** The value in the values file, as written (undefined: not set, its default applies). */
  value?: unknown;
  /** Our flags for it ([] when it needs none). */
  flags: string[];
  /** same: the same behaviour; stricter: ours refuses more; differs: another mechanism. */
  kind: 'same' | 'stricter' | 'differs';
  note: string;
}

export interface Migration {
  /** `kubectl certs approver run` with every flag the settings need. */
  command: string[];
  settings: SettingMapping[];
}

const MAX_THEIRS_SECONDS = 367 * 24 * 3600;

/** Reads a kubelet-csr-approver Helm values file; a value of the wrong type is one line naming it. */
export function migrateFromKubeletCsrApprover(text: string, file: string): Migration {
  let values: unknown;
  try {
    values = parse(text);
  } catch (e) {
    throw new MigrationError(`${file} is not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  const v = (values ?? {}) as Record<string, unknown>;
  if (typeof v !== 'object' || Array.isArray(v))
    throw new MigrationError(`${file}: expected a mapping of Helm values`);
  const settings = [
    providerRegex(v.providerRegex, file),
    providerIpPrefixes(v.providerIpPrefixes, file),
    maxExpirationSeconds(v.maxExpirationSeconds, file),
    bypassDnsResolution(bool(v, 'bypassDnsResolution', file)),
    ignoreNonSystemNode(bool(v, 'ignoreNonSystemNode', file)),
    allowedDnsNames(v.allowedDnsNames, file),
    bypassHostnameCheck(bool(v, 'bypassHostnameCheck', file)),
    skipDenyStep(bool(v, 'skipDenyStep', file)),
  ];
  return { command: ['kubectl', 'certs', 'approver', 'run', ...settings.flatMap((s) => s.flags)], settings };
}

export class MigrationError extends Error {
  override name = 'MigrationError';
}

function bool(v: Record<string, unknown>, key: string, file: string): boolean | undefined {
  const x = v[key];
  if (x === undefined || x === null) return undefined;
  if (typeof x === 'boolean') return x;
  if (x === 'true' || x === 'false') return x === 'true';
  throw new MigrationError(`${file}: ${key} must be true or false, not ${JSON.stringify(x)}`);
}

const set = (value: unknown) => (value === undefined || value === null || value === '' ? undefined : value);

function providerRegex(value: unknown, file: string): SettingMapping {
  const re = set(value);
  if (re === undefined)
    return {
      setting: 'providerRegex',
      flags: [],
      kind: 'stricter',
      note: 'not set (kubelet-csr-approver requires it); without --node-name-pattern any node name is allowed, but every SAN must still be an address of the requesting Node',
    };
  if (typeof re !== 'string') throw new MigrationError(`${file}: providerRegex must be a string`);
  try {
    new RegExp(re);
  } catch (e) {
    throw new MigrationError(
      `${file}: providerRegex is not a regular expression we can read: ${(e as Error).message}`,
    );
  }
  return {
    setting: 'providerRegex',
    value: re,
    flags: ['--node-name-pattern', re],
    kind: 'stricter',
    note: 'theirs is matched against the DNS SANs (anywhere in the name unless anchored); --node-name-pattern must match the whole node name, and each DNS SAN must also be a name of that Node. Check the pattern with a JavaScript regex: Go RE2 syntax mostly agrees',
  };
}

function providerIpPrefixes(value: unknown, file: string): SettingMapping {
  const raw = set(value);
  if (raw === undefined)
    return {
      setting: 'providerIpPrefixes',
      flags: [],
      kind: 'stricter',
      note: 'not set (theirs then allows any IP); ours still requires every IP SAN to be an InternalIP/ExternalIP of the requesting Node and of no other',
    };
  const list = Array.isArray(raw) ? raw.map(String) : String(raw).split(',');
  const cidrs = list.map((c) => c.trim()).filter(Boolean);
  for (const c of cidrs)
    if (!ipaddr.isValidCIDR(c))
      throw new MigrationError(`${file}: providerIpPrefixes entry "${c}" is not a CIDR`);
  return {
    setting: 'providerIpPrefixes',
    value: raw,
    flags: cidrs.length ? ['--allowed-ip-ranges', cidrs.join(',')] : [],
    kind: 'stricter',
    note: 'the same ranges; and every IP SAN must also be an InternalIP/ExternalIP of the requesting Node and of no other',
  };
}

function maxExpirationSeconds(value: unknown, file: string): SettingMapping {
  const raw = set(value);
  if (raw === undefined)
    return {
      setting: 'maxExpirationSeconds',
      flags: ['--max-expiration', `${MAX_THEIRS_SECONDS}s`],
      kind: 'same',
      note: 'not set: theirs allows at most 367 days; the same limit',
    };
  const seconds = Number(raw);
  if (!Number.isInteger(seconds) || seconds < 0)
    throw new MigrationError(
      `${file}: maxExpirationSeconds must be a whole number of seconds, not ${JSON.stringify(raw)}`,
    );
  if (seconds > MAX_THEIRS_SECONDS)
    throw new MigrationError(
      `${file}: maxExpirationSeconds ${seconds} is above 367 days, which kubelet-csr-approver refuses to start with`,
    );
  return {
    setting: 'maxExpirationSeconds',
    value: raw,
    flags: ['--max-expiration', `${seconds}s`],
    kind: 'same',
    note: 'spec.expirationSeconds above it is refused',
  };
}

function bypassDnsResolution(value: boolean | undefined): SettingMapping {
  if (value === true)
    return {
      setting: 'bypassDnsResolution',
      value,
      flags: [],
      kind: 'same',
      note: 'ours does not resolve DNS SANs unless --resolve-dns: names are checked against the Node object instead, so nodes need no DNS records',
    };
  return {
    setting: 'bypassDnsResolution',
    ...(value === undefined ? {} : { value }),
    flags: ['--resolve-dns'],
    kind: 'stricter',
    note: 'DNS SANs must resolve, and only to addresses of the requesting Node; a lookup without answer leaves the CSR undecided (never Denied)',
  };
}

function ignoreNonSystemNode(value: boolean | undefined): SettingMapping {
  return {
    setting: 'ignoreNonSystemNode',
    ...(value === undefined ? {} : { value }),
    flags: [],
    kind: value ? 'stricter' : 'same',
    note: value
      ? 'no equivalent: a kubelet-serving CSR not filed by a node is refused (left Pending, Denied with --deny), never ignored'
      : 'a kubelet-serving CSR not filed by a node is refused',
  };
}

function allowedDnsNames(value: unknown, file: string): SettingMapping {
  const raw = set(value);
  const n = raw === undefined ? 1 : Number(raw);
  if (!Number.isInteger(n) || n < 0)
    throw new MigrationError(`${file}: allowedDnsNames must be a whole number`);
  return {
    setting: 'allowedDnsNames',
    ...(raw === undefined ? {} : { value: raw }),
    flags: [],
    kind: 'stricter',
    note: `theirs allows ${n} DNS SAN${n === 1 ? '' : 's'}; ours allows any DNS SAN that is the node name or one of its Hostname/InternalDNS/ExternalDNS addresses, and at most --max-sans (10) SANs in all`,
  };
}

function bypassHostnameCheck(value: boolean | undefined): SettingMapping {
  return {
    setting: 'bypassHostnameCheck',
    ...(value === undefined ? {} : { value }),
    flags: [],
    kind: 'stricter',
    note: value
      ? 'no equivalent: every DNS SAN must be a name of the requesting Node; list other names as InternalDNS/ExternalDNS addresses of the Node (the kubelet or the cloud provider sets them)'
      : 'theirs requires DNS SANs to start with the node name; ours requires each to be a name of that Node',
  };
}

function skipDenyStep(value: boolean | undefined): SettingMapping {
  return value
    ? {
        setting: 'skipDenyStep',
        value,
        flags: [],
        kind: 'same',
        note: 'refused CSRs are left Pending (our default)',
      }
    : {
        setting: 'skipDenyStep',
        ...(value === undefined ? {} : { value }),
        flags: ['--deny'],
        kind: 'same',
        note: 'refused CSRs are marked Denied; never for our own trouble (a CSR we cannot decide now is left Pending)',
      };
}
