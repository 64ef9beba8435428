import type { Finding, Rule } from '@kubectl-certs/core';
import type { Log, ReportingDescriptor, Result } from 'sarif';

export interface LintedFile {
  /** As the user named it; "-" for standard input. */
  file: string;
  findings: Finding[];
}

const LEVEL = { error: 'error', warning: 'warning', info: 'note' } as const;
/** GitHub code scanning ranks security alerts by this score (CVSS-like, 0-10). */
const SECURITY_SEVERITY = { error: '7.5', warning: '5.0', info: '2.0' } as const;

/** A relative, forward-slash, percent-encoded URI as code scanning expects ("stdin" for "-"). */
export function artifactUri(file: string): string {
  if (file === '-') return 'stdin';
  const posix = file.replaceAll('\\', '/').replace(/^\.\//, '');
  return posix.startsWith('/') ? `file://${encodeURI(posix)}` : encodeURI(posix);
}

function descriptor(
  rule: Pick<Rule, 'id' | 'severity' | 'summary'>,
  docUrl: (id: string) => string,
): ReportingDescriptor {
  return {
    id: rule.id,
    name: rule.id.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase()),
    shortDescription: { text: rule.summary },
    fullDescription: {
      text: `${rule.summary} Why it matters, the secure setting and the fix: ${docUrl(rule.id)}`,
    },
    helpUri: docUrl(rule.id),
    help: { text: `${rule.summary} See ${docUrl(rule.id)}` },
    defaultConfiguration: { level: LEVEL[rule.severity] },
    properties: {
      tags: ['security', 'kubernetes', 'tls'],
      'security-severity': SECURITY_SEVERITY[rule.severity],
    },
  };
}

function result(file: LintedFile, f: Finding, ruleIndex: number): Result {
  const uri = artifactUri(file.file);
  return {
    ruleId: f.ruleId,
    ruleIndex,
    level: LEVEL[f.severity],
    message: { text: f.message },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri },
          region: {
            startLine: f.range.startLine,
            startColumn: f.range.startColumn,
            endLine: f.range.endLine,
            endColumn: f.range.endColumn,
          },
        },
      },
    ],
    fixes: f.fixes.map((fix) => ({
      description: { text: fix.title },
      artifactChanges: [
        {
          artifactLocation: { uri },
          replacements: fix.edits.map((e) => ({
            deletedRegion: { charOffset: e.offset, charLength: e.length },
            insertedContent: { text: e.text },
          })),
        },
      ],
    })),
  };
}

/** A SARIF 2.1.0 log of one lint run, as GitHub code scanning ingests it. */
export function toSarif(
  files: LintedFile[],
  rules: Pick<Rule, 'id' | 'severity' | 'summary'>[],
  tool: { version: string; informationUri: string; docUrl: (id: string) => string },
): Log {
  const index = new Map(rules.map((r, i) => [r.id, i]));
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        // Columns and charOffset count UTF-16 code units, as core's offsets do (SARIF's default, said).
        columnKind: 'utf16CodeUnits',
        tool: {
          driver: {
            name: 'kubectl-certs',
            version: tool.version,
            informationUri: tool.informationUri,
            rules: rules.map((r) => descriptor(r, tool.docUrl)),
          },
        },
        results: files.flatMap((file) =>
          file.findings.map((f) => result(file, f, index.get(f.ruleId) ?? -1)),
        ),
      },
    ],
  };
}
