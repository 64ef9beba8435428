import { readFileSync, writeFileSync } from 'node:fs';
import type { Finding } from '@kubectl-certs/core';
import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../base-command.ts';
import { fsErrorReason } from '../fs-error.ts';
import { renderData } from '../output.ts';
import { UserError } from '../user-error.ts';

export const EXIT_FINDINGS = 3;
export const EXIT_UNREADABLE = 4;
const SEVERITY_RANK = { info: 0, warning: 1, error: 2 } as const;

export default class Lint extends BaseCommand {
  static override summary =
    'Find insecure kubelet TLS settings in manifests (metrics-server, KubeletConfiguration, kubeadm) and fix them.';
  static override description =
    `Lints YAML files, folders (recursively, *.yaml and *.yml) or standard input ("-"). Prints file:line:col severity rule-id message, like a compiler.

--fix (and --diff) apply the preferred fix of each finding, except a fix that changes cluster-wide behaviour: apiserver-kubelet-ca's makes kube-apiserver verify every kubelet, so kubectl logs and exec fail on each kubelet still serving a self-signed certificate. Such a finding stays, with its fix in -o json/sarif and in the editor; --fix-cluster-wide applies it too. --fix says on stderr, per file, what it fixed and what is left.

Helm and Jinja templates are not linted as they stand: each gives one info notice (template-file) saying what to lint instead, and never changes the exit status.

Offsets in -o json/yaml (start, end, and each edit's offset and length) count UTF-16 code units, as SARIF's charOffset does.

Exit status: 0 when nothing at or above --fail-on was found, 3 when something was, 4 when an input could not be read or parsed (the others are still linted), 2 on a usage error, before anything is read or written (no path, an unknown --rule or --disable, --fix with --diff, --fix-cluster-wide without --fix or --diff, an --apiservice-ca-file that cannot be read or holds no certificate), 1 on other errors.`;
  static override examples = [
    {
      description: 'A manifest, and everything under a folder:',
      command: 'kubectl certs lint components.yaml deploy/',
    },
    {
      description: 'Show the fixes as a diff, then write them:',
      command: 'kubectl certs lint components.yaml --diff && kubectl certs lint components.yaml --fix',
    },
    {
      description:
        'Make kube-apiserver verify kubelets too, once every kubelet serves a CA-signed certificate:',
      command: 'kubectl certs lint /etc/kubernetes/manifests/kube-apiserver.yaml --fix --fix-cluster-wide',
    },
    {
      description: 'For GitHub code scanning (upload with github/codeql-action/upload-sarif):',
      command: 'kubectl certs lint deploy/ -o sarif > kubectl-certs.sarif',
    },
    {
      description: 'From a pipe, as JSON:',
      command: 'helm template metrics-server metrics-server/metrics-server | kubectl certs lint - -o json',
    },
  ];
  static override strict = false;
  static override args = { path: Args.string({ description: 'Files, folders, or - for standard input.' }) };
  static override flags = {
    output: Flags.string({
      char: 'o',
      description:
        'Output format: text like a compiler (table), json, yaml, or sarif (SARIF 2.1.0 for code scanning).',
      options: ['table', 'json', 'yaml', 'sarif'],
      default: 'table',
      helpGroup: 'GLOBAL',
    }),
    fix: Flags.boolean({
      description: 'Apply the preferred fix of each finding, in place (not cluster-wide fixes: see below).',
    }),
    'fix-cluster-wide': Flags.boolean({
      description:
        'With --fix or --diff, also apply fixes that change cluster-wide behaviour (kube-apiserver --kubelet-certificate-authority).',
    }),
    diff: Flags.boolean({ description: 'Print the fixes as a unified diff; write nothing.' }),
    rule: Flags.string({ description: 'Run only this rule (repeatable).', multiple: true }),
    disable: Flags.string({ description: 'Do not run this rule (repeatable).', multiple: true }),
    'fail-on': Flags.string({
      description: 'Lowest severity that makes the exit status 3.',
      options: ['error', 'warning', 'info'],
      default: 'warning',
    }),
    'kubelet-ca-mount-path': Flags.string({
      description: 'Where fixes mount the cluster CA in metrics-server.',
      default: '/etc/kubernetes/kubelet-ca',
    }),
    'apiservice-ca-file': Flags.string({
      description:
        "PEM file of the CA that signed metrics-server's serving certificate: the APIService fix puts it in spec.caBundle.",
    }),
  };

  async run(): Promise<void> {
    const { flags, argv } = await this.parse(Lint);
    const output = flags.output;
    const paths = argv as string[];
    if (paths.length === 0)
      throw new UserError('name the files or folders to lint (or - for standard input)', 2);
    if (flags.fix && flags.diff)
      throw new UserError('--fix and --diff do not go together: --diff shows, --fix writes', 2);
    if (flags['fix-cluster-wide'] && !flags.fix && !flags.diff)
      throw new UserError('--fix-cluster-wide goes with --fix or --diff', 2);
    const { fixAll, lint, RULE_DESCRIPTORS, NOTICE_RULES, SYNTAX_RULE } = await import('@kubectl-certs/core');
    const known = RULE_DESCRIPTORS.map((r) => r.id);
    for (const id of [...(flags.rule ?? []), ...(flags.disable ?? [])])
      if (!known.includes(id)) throw new UserError(`unknown rule "${id}" (rules: ${known.join(', ')})`, 2);
    const { collectInputs } = await import('../lint/inputs.ts');
    const { fixReport } = await import('../lint/fix-report.ts');
    const { fixPatch } = await import('../lint/patch.ts');
    const { createTwoFilesPatch } = await import('diff');
    const options = {
      rules: flags.rule,
      disable: flags.disable,
      kubeletCaMountPath: flags['kubelet-ca-mount-path'],
      apiserviceCaPem: flags['apiservice-ca-file']
        ? await readCaFile(flags['apiservice-ca-file'])
        : undefined,
      now: new Date(),
    };
    const inputs = collectInputs(paths, () => readFileSync(0, 'utf8'));
    const report: { file: string; findings: ReturnType<typeof lint>; error?: string }[] = [];
    let unreadable = false;
    for (const input of inputs) {
      if (input.text === undefined) {
        unreadable = true;
        report.push({ file: input.name, findings: [], error: input.error ?? 'unreadable' });
        continue;
      }
      const fileOptions = { ...options, path: input.name === '-' ? undefined : input.name };
      let fixed: Finding[] | undefined;
      if (flags.fix || flags.diff) {
        const result = fixAll(input.text, fileOptions, { clusterWide: flags['fix-cluster-wide'] });
        const text = result.text;
        if (flags.diff && text !== input.text)
          this.log(fixPatch(input.name, input.text, text, createTwoFilesPatch));
        if (flags.fix && text !== input.text && input.name !== '-') writeFileSync(input.name, text);
        if (flags.fix && input.name === '-') process.stdout.write(text);
        if (flags.fix) [input.text, fixed] = [text, result.fixed];
      }
      const findings = lint(input.text, fileOptions);
      if (fixed) for (const line of fixReport(input.name, fixed, findings)) process.stderr.write(`${line}\n`);
      if (findings.some((f) => f.ruleId === SYNTAX_RULE)) unreadable = true;
      report.push({ file: input.name, findings });
    }
    if (!flags.diff && !(flags.fix && paths.includes('-'))) await this.print(report, output);
    const threshold = SEVERITY_RANK[flags['fail-on'] as keyof typeof SEVERITY_RANK];
    const failing = report.some((r) =>
      r.findings.some((f) => !NOTICE_RULES.includes(f.ruleId) && SEVERITY_RANK[f.severity] >= threshold),
    );
    process.exitCode = unreadable ? EXIT_UNREADABLE : failing ? EXIT_FINDINGS : 0;
  }

  private async print(
    report: {
      file: string;
      findings: {
        ruleId: string;
        severity: string;
        message: string;
        range: { startLine: number; startColumn: number };
      }[];
      error?: string;
    }[],
    output: string,
  ): Promise<void> {
    if (output === 'sarif') {
      const { RULE_DESCRIPTORS, PROJECT_URL, ruleDocUrl } = await import('@kubectl-certs/core');
      const { toSarif } = await import('../lint/sarif.ts');
      const rules = [...RULE_DESCRIPTORS];
      const files = report.map((r) => ({ file: r.file, findings: r.findings as Finding[] }));
      const log = toSarif(files, rules, {
        version: this.config.version,
        informationUri: PROJECT_URL,
        docUrl: ruleDocUrl,
      });
      for (const r of report) if (r.error) process.stderr.write(`${r.file}: error: ${r.error}\n`);
      this.log(JSON.stringify(log, null, 2));
      return;
    }
    if (output === 'json' || output === 'yaml') {
      const doc = { apiVersion: 'kubectl-certs.io/v1alpha1', kind: 'LintReport', files: report };
      this.log(renderData(doc, output));
      return;
    }
    for (const r of report) {
      if (r.error) process.stderr.write(`${r.file}: error: ${r.error}\n`);
      for (const f of r.findings)
        this.log(
          `${r.file}:${f.range.startLine}:${f.range.startColumn}: ${f.severity} ${f.ruleId} ${f.message}`,
        );
    }
    const { liveClusterHints } = await import('@kubectl-certs/core');
    for (const hint of liveClusterHints(report.flatMap((r) => r.findings)))
      process.stderr.write(`hint: ${hint}\n`);
  }
}

/** The CA file must hold certificates (not a key, not a CSR) before a fix embeds it. */
async function readCaFile(path: string): Promise<string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UserError(`--apiservice-ca-file ${path}: ${fsErrorReason(e)}`, 2);
  }
  const { parseCertificates } = await import('@kubectl-certs/core');
  try {
    if (parseCertificates(text).length === 0) throw new Error('no certificate in the file');
  } catch (e) {
    throw new UserError(
      `--apiservice-ca-file ${path}: not a PEM CA certificate (${(e as Error).message})`,
      2,
    );
  }
  return text;
}
