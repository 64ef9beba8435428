import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  KUBELET_CSR_APPROVER_SETTINGS,
  migrateKubeletCsrApprover,
} from '../src/csr-policy/kubelet-csr-approver-migration.ts';

// The chart's own values.yaml (postfinance/kubelet-csr-approver), abridged to its policy keys and
// a few Deployment keys, with the values a user sets.
const chartValues = (policy: string) =>
  parse(`${policy}
loggingLevel: 0
image:
  repository: postfinance/kubelet-csr-approver
  pullPolicy: IfNotPresent
securityContext:
  runAsUser: 65532
tolerations:
  - effect: NoSchedule
    key: node-role.kubernetes.io/control-plane
    operator: Equal
`);

const argsOf = (policy: string) => migrateKubeletCsrApprover(chartValues(policy)).args;
const settingOf = (policy: string, key: string) =>
  migrateKubeletCsrApprover(chartValues(policy)).settings.find((s) => s.setting === key);

describe('kubelet-csr-approver settings become our flags', () => {
  it.each([
    [
      'the chart defaults deny, as theirs does, and make the 367-day cap explicit',
      '',
      ['--max-expiration=31708800s', '--deny'],
    ],
    [
      'an anchored providerRegex is the node name pattern as it is',
      "providerRegex: '^node-\\w*\\.int\\.company\\.ch$'",
      ['--node-name-pattern=^node-\\w*\\.int\\.company\\.ch$', '--max-expiration=31708800s', '--deny'],
    ],
    [
      'an unanchored providerRegex keeps Go MatchString meaning (anywhere)',
      'providerRegex: k8s(master|worker)',
      ['--node-name-pattern=.*(?:k8s(master|worker)).*', '--max-expiration=31708800s', '--deny'],
    ],
    [
      'providerIpPrefixes as a list',
      'providerIpPrefixes: [192.168.8.0/22, fc00::/7]',
      ['--allowed-ip-ranges=192.168.8.0/22,fc00::/7', '--max-expiration=31708800s', '--deny'],
    ],
    [
      'providerIpPrefixes as their comma-separated string',
      "providerIpPrefixes: '10.0.10.0/24,10.0.100.0/24'",
      ['--allowed-ip-ranges=10.0.10.0/24,10.0.100.0/24', '--max-expiration=31708800s', '--deny'],
    ],
    [
      'providerIpPrefixes that allow everything need no flag',
      "providerIpPrefixes: '0.0.0.0/0,::/0'",
      ['--max-expiration=31708800s', '--deny'],
    ],
    [
      'maxExpirationSeconds as the quoted string the chart asks for',
      "maxExpirationSeconds: '86400'",
      ['--max-expiration=86400s', '--deny'],
    ],
    [
      'skipDenyStep leaves refused CSRs Pending, our default',
      'skipDenyStep: true',
      ['--max-expiration=31708800s'],
    ],
    [
      'bypassDnsResolution needs nothing: we never resolve node names',
      'bypassDnsResolution: true',
      ['--max-expiration=31708800s', '--deny'],
    ],
    [
      'settings passed through env by their variable names',
      "env:\n  - name: PROVIDER_REGEX\n    value: '^w-[0-9]+$'\n  - name: SKIP_DENY_STEP\n    value: 'true'",
      ['--node-name-pattern=^w-[0-9]+$', '--max-expiration=31708800s'],
    ],
  ])('%s', (_what, policy, args) => expect(argsOf(policy)).toEqual(args));
});

describe('every setting is explained, and where ours is stricter says so', () => {
  it('lists all eight policy settings, set or not', () => {
    expect(migrateKubeletCsrApprover(chartValues('')).settings.map((s) => s.setting)).toEqual(
      KUBELET_CSR_APPROVER_SETTINGS,
    );
    expect(KUBELET_CSR_APPROVER_SETTINGS).toEqual([
      'providerRegex',
      'providerIpPrefixes',
      'maxExpirationSeconds',
      'bypassDnsResolution',
      'ignoreNonSystemNode',
      'allowedDnsNames',
      'bypassHostnameCheck',
      'skipDenyStep',
    ]);
  });

  it.each([
    ['bypassHostnameCheck: true', 'bypassHostnameCheck', true, /No equivalent, on purpose/],
    ['bypassHostnameCheck: false', 'bypassHostnameCheck', true, /node "a" could get "auth\.example\.com"/],
    ['allowedDnsNames: 10', 'allowedDnsNames', true, /caps DNS SANs at 10/],
    ['providerRegex: ^n$', 'providerRegex', true, /ours tests the whole node name/],
    ['bypassDnsResolution: false', 'bypassDnsResolution', false, /Ours does not need DNS/],
    ['skipDenyStep: false', 'skipDenyStep', false, /never denies because of its own trouble/],
    ['ignoreNonSystemNode: true', 'ignoreNonSystemNode', false, /reports why/],
  ])('%s', (policy, key, stricter, note) => {
    const s = settingOf(policy, key);
    expect(s?.stricter).toBe(stricter);
    expect(s?.note).toMatch(note);
  });

  it("booleans are read as Go's ParseBool reads them", () => {
    expect(argsOf("skipDenyStep: 'T'")).not.toContain('--deny');
    expect(argsOf("skipDenyStep: 'yes'")).toContain('--deny');
  });
});

describe('what cannot be carried over is a problem, never a silent default', () => {
  it.each([
    [
      'a misspelt key (seen in the wild)',
      "providerIpPrefixed: '10.0.10.0/24'",
      /providerIpPrefixed is not a kubelet-csr-approver setting/,
    ],
    [
      'a maximum over 367 days, which theirs refuses too',
      "maxExpirationSeconds: '40000000'",
      /not a whole number of seconds from 0 to 31708800/,
    ],
    ['a prefix that is not a CIDR', "providerIpPrefixes: ['10.0.0.0/8', 'nodes']", /nodes is not a CIDR/],
    [
      'a regex we cannot read',
      "providerRegex: '^(node$'",
      /providerRegex "\^\(node\$" is not a regular expression we can read/,
    ],
    [
      'an allowedDnsNames that is not a number',
      'allowedDnsNames: many',
      /allowedDnsNames "many" is not a whole number/,
    ],
  ])('%s', (_what, policy, problem) => {
    expect(migrateKubeletCsrApprover(chartValues(policy)).problems).toEqual([expect.stringMatching(problem)]);
  });

  it.each([
    ['a list', '- a'],
    ['a scalar', 'just text'],
    ['nothing', ''],
  ])('a values file that is %s', (_what, text) => {
    expect(migrateKubeletCsrApprover(parse(text)).problems).toEqual([
      'the values file is not a YAML mapping of chart values',
    ]);
  });
});
