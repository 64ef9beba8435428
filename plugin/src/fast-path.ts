import type { CliManifest } from './cli-manifest.ts';
import { clientVersion, versionLines } from './client-version.ts';
import { COMPLETE_COMMANDS, completionAnswer } from './completion/completion-answer.ts';
import { rootHelp, userAgent } from './root-help.ts';

/** Renders the whole of a quick answer's output from the bundled manifest. */
export type QuickAnswer = (m: CliManifest) => string;

/**
 * The command lines that are answered without oclif and without loading any command: the root help
 * (also as `help`), `--version`, `version --client` (table or JSON) and shell completion, which a shell runs at every
 * TAB. They are the lines run most often and need nothing but the manifest. Any other spelling,
 * however close, goes to oclif, whose answer is the reference (tests hold the two equal).
 */
export function quickAnswer(argv: readonly string[]): QuickAnswer | undefined {
  const [first, ...rest] = argv;
  if (first === undefined || (rest.length === 0 && ['--help', '-h', 'help'].includes(first))) return rootHelp;
  if (first === '--version' && rest.length === 0) return (m) => `${userAgent(m)}\n`;
  if (COMPLETE_COMMANDS.includes(first)) return (m) => completionAnswer(argv, m.completion);
  if (first === 'version') {
    const output = clientOnlyOutput(rest);
    if (output === 'table') return () => `${versionLines({ clientVersion: clientVersion() })}\n`;
    if (output === 'json') return () => `${JSON.stringify({ clientVersion: clientVersion() }, null, 2)}\n`;
  }
  return undefined;
}

/** The output format of `version` arguments that ask for the client only; undefined for any other. */
function clientOnlyOutput(args: readonly string[]): 'table' | 'json' | undefined {
  let output = 'table';
  const rest = [...args];
  const client = rest.indexOf('--client');
  if (client < 0) return undefined;
  rest.splice(client, 1);
  if (rest.length === 1 && rest[0]?.startsWith('--output=')) output = rest[0].slice('--output='.length);
  else if (rest.length === 2 && (rest[0] === '-o' || rest[0] === '--output')) output = rest[1] ?? '';
  else if (rest.length > 0) return undefined;
  return output === 'table' || output === 'json' ? output : undefined;
}
