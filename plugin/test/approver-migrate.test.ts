import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Parser } from '@oclif/core';
import { afterAll, describe, expect, it } from 'vitest';
import { policyFlags, policyOptions } from '../src/approve/policy-flags.ts';
import { migrateFromKubeletCsrApprover, type SettingMapping } from '../src/approver/migrate.ts';

const BIN = new URL('../bin/kubectl-certs.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'kc-migrate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const mapped = (values: string) => migrateFromKubeletCsrApprover(values, 'values.yaml');
const row = (values: string, setting: string) =>
  mapped(values).settings.find((s) => s.setting === setting) as SettingMapping;

describe('approver migrate: every kubelet-csr-approver setting has its equivalent, or says where ours is stricter', () => {
  it.each<[string, string, string, Partial<SettingMapping>]>([
    [
      'providerRegex → --node-name-pattern',
      'providerRegex: ^node-\\w+$',
      'providerRegex',
      { flags: ['--node-name-pattern', '^node-\\w+$'], kind: 'stricter' },
    ],
    ['providerRegex unset: nothing to pass', '{}', 'providerRegex', { flags: [], kind: 'stricter' }],
    [
      'providerIpPrefixes as a list → --allowed-ip-ranges',
      'providerIpPrefixes: [192.168.8.0/22, "fc00::/7"]',
      'providerIpPrefixes',
      { flags: ['--allowed-ip-ranges', '192.168.8.0/22,fc00::/7'] },
    ],
    [
      'providerIpPrefixes as a comma string (the env var form)',
      'providerIpPrefixes: "10.0.0.0/8, 172.16.0.0/12"',
      'providerIpPrefixes',
      { flags: ['--allowed-ip-ranges', '10.0.0.0/8,172.16.0.0/12'] },
    ],
    [
      'maxExpirationSeconds (a string in the chart) → --max-expiration',
      'maxExpirationSeconds: "86400"',
      'maxExpirationSeconds',
      { flags: ['--max-expiration', '86400s'], kind: 'same' },
    ],
    [
      'maxExpirationSeconds unset: their 367-day default',
      '{}',
      'maxExpirationSeconds',
      { flags: ['--max-expiration', '31708800s'] },
    ],
    [
      'bypassDnsResolution false (their default) → --resolve-dns',
      '{}',
      'bypassDnsResolution',
      { flags: ['--resolve-dns'], kind: 'stricter' },
    ],
    [
      'bypassDnsResolution true: ours needs no DNS by default',
      'bypassDnsResolution: true',
      'bypassDnsResolution',
      { flags: [], kind: 'same' },
    ],
    [
      'ignoreNonSystemNode true: no equivalent, ours refuses them',
      'ignoreNonSystemNode: true',
      'ignoreNonSystemNode',
      { flags: [], kind: 'stricter' },
    ],
    [
      'allowedDnsNames: ours checks each name against the Node instead of counting',
      'allowedDnsNames: 2',
      'allowedDnsNames',
      { flags: [], kind: 'stricter' },
    ],
    [
      'bypassHostnameCheck true: no bypass here',
      'bypassHostnameCheck: true',
      'bypassHostnameCheck',
      { flags: [], kind: 'stricter' },
    ],
    [
      'skipDenyStep false (their default) → --deny',
      '{}',
      'skipDenyStep',
      { flags: ['--deny'], kind: 'same' },
    ],
    [
      'skipDenyStep true: left Pending, our default',
      'skipDenyStep: "true"',
      'skipDenyStep',
      { flags: [], kind: 'same' },
    ],
  ])('%s', (_n, values, setting, expected) => {
    expect(row(values, setting)).toMatchObject(expected);
  });

  it('names all eight settings, in the order of the issue', () => {
    expect(mapped('{}').settings.map((s) => s.setting)).toEqual([
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

  it('prints a command whose flags our parser accepts and turns into the same policy', async () => {
    const m = mapped(
      'providerRegex: ^worker-\\d+$\nproviderIpPrefixes: [10.0.0.0/8]\nmaxExpirationSeconds: 3600\nbypassDnsResolution: false\n',
    );
    expect(m.command.slice(0, 4)).toEqual(['kubectl', 'certs', 'approver', 'run']);
    const { flags } = await Parser.parse(m.command.slice(4), { flags: policyFlags, strict: true });
    expect(flags.deny).toBe(true);
    expect(await policyOptions(flags)).toMatchObject({
      nodeNamePattern: /^worker-\d+$/,
      allowedIpRanges: ['10.0.0.0/8'],
      maxExpirationSeconds: 3600,
      resolveDns: true,
    });
  });

  it.each([
    ['not YAML', 'providerRegex: [\n', /^values\.yaml is not valid YAML: /],
    [
      'a bad CIDR',
      'providerIpPrefixes: [10.0.0.0/33]',
      /^values\.yaml: providerIpPrefixes entry "10\.0\.0\.0\/33" is not a CIDR$/,
    ],
    [
      'a regex we cannot read',
      'providerRegex: "(unclosed"',
      /^values\.yaml: providerRegex is not a regular expression we can read: /,
    ],
    ['more than 367 days', 'maxExpirationSeconds: 99999999', /above 367 days/],
    [
      'a boolean that is not one',
      'skipDenyStep: maybe',
      /^values\.yaml: skipDenyStep must be true or false, not "maybe"$/,
    ],
  ])('refuses %s with one line', (_n, values, message) => {
    expect(() => mapped(values)).toThrow(message);
  });
});

describe('approver migrate as a user runs it', () => {
  const cli = (args: string[], input?: string) => {
    const r = spawnSync(process.execPath, [BIN, ...args], {
      encoding: 'utf8',
      input,
      env: { PATH: process.env.PATH ?? '', HOME: dir },
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  it('prints the command to run instead and a row per setting (exit 0), reading no cluster', () => {
    const file = join(dir, 'values.yaml');
    writeFileSync(file, 'providerRegex: ^node-\\d+$\nbypassDnsResolution: true\n');
    const r = cli(['approver', 'migrate', '--from-kubelet-csr-approver', file]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^Run instead:\n {2}kubectl certs approver run --node-name-pattern '\^node-\\d\+\$' --max-expiration 31708800s --deny\n\nSETTING\s+VALUE\s+OURS\s+COMPARED\s+NOTE\n/,
    );
    expect(r.stdout).toMatch(/^bypassHostnameCheck\s+\(default\)\s+-\s+stricter\s+/m);
  });

  it('-o yaml from standard input is the documented ApproverMigration document', () => {
    const r = cli(
      ['approver', 'migrate', '--from-kubelet-csr-approver', '-', '-o', 'yaml'],
      'skipDenyStep: true\n',
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^apiVersion: kubectl-certs.io\/v1alpha1\nkind: ApproverMigration\ncommand:\n {2}- kubectl\n/,
    );
  });

  it.each([
    [
      ['approver', 'migrate'],
      /^error: approver migrate needs --from-kubelet-csr-approver VALUES\.yaml\n$/,
      2,
    ],
    [
      ['approver', 'migrate', '--from-kubelet-csr-approver', '/nonexistent/values.yaml'],
      /^error: cannot read \/nonexistent\/values\.yaml: ENOENT\n$/,
      1,
    ],
  ])('%j is one error line', (args, message, code) => {
    const r = cli(args);
    expect(r.stderr).toMatch(message);
    expect(r.code).toBe(code);
  });
});
