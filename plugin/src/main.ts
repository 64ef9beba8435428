import { Errors, flush, run } from '@oclif/core';
import { moveGlobalFlagsAfterCommand } from './argv.ts';
import { COMPLETE_COMMANDS, printCompletion } from './completion/print-completion.ts';
import { loadConfig } from './oclif-config.ts';
import { UserError } from './user-error.ts';

export { COMMANDS } from './commands.ts';

/**
 * Runs the CLI. Every failure ends as one line "error: ..." on stderr and a non-zero exit code;
 * the stack trace only with --debug or DEBUG=kubectl-certs. `root` is the folder oclif treats as the
 * package's (its cache and config folders hang off the name, not the path).
 */
export async function main(argv: string[], root: string): Promise<void> {
  const debug = argv.includes('--debug') || /\bkubectl-certs\b|\*/.test(process.env.DEBUG ?? '');
  if (COMPLETE_COMMANDS.includes(argv[0] ?? '')) return printCompletion(argv);
  try {
    await run(moveGlobalFlagsAfterCommand(argv), await loadConfig(root));
    await flush();
  } catch (e) {
    process.exitCode = report(e, debug);
  }
}

/**
 * Ends the process once everything written to stdout and stderr has left (pipes are asynchronous
 * on macOS and Windows). A command is done when main() returns, even if a request it gave up on
 * (--request-timeout) still holds a socket open: that must not keep the process alive.
 */
export async function exitWhenFlushed(): Promise<never> {
  for (const stream of [process.stdout, process.stderr])
    await new Promise<void>((resolve) => stream.write('', () => resolve()));
  process.exit();
}

function report(e: unknown, debug: boolean): number {
  if (e instanceof Errors.ExitError) return e.oclif.exit ?? 0;
  const err = e instanceof Error ? e : new Error(String(e));
  const oclifExit = (err as { oclif?: { exit?: number } }).oclif?.exit;
  const code = err instanceof UserError ? err.exitCode : (oclifExit ?? 1);
  const first = err.message.split('\n')[0]?.trim() || err.name;
  process.stderr.write(`error: ${first}\n`);
  if (debug && err.stack) process.stderr.write(`${err.stack}\n`);
  return code;
}
