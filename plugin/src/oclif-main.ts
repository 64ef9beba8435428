import { Errors, flush, run } from '@oclif/core';
import { moveGlobalFlagsAfterCommand } from './argv.ts';
import { debugRequested, printError } from './error-report.ts';
import { loadConfig } from './oclif-config.ts';
import { UserError } from './user-error.ts';

/**
 * Runs a command line through oclif. Every failure ends as one line "error: ..." on stderr and a
 * non-zero exit code; the stack trace only with --debug or DEBUG=kubectl-certs. `root` is the folder
 * oclif treats as the package's (its cache and config folders hang off the name, not the path).
 */
export async function runOclif(argv: string[], root: string): Promise<void> {
  try {
    await run(moveGlobalFlagsAfterCommand(argv), await loadConfig(root));
    await flush();
  } catch (e) {
    process.exitCode = report(e, debugRequested(argv));
  }
}

function report(e: unknown, debug: boolean): number {
  if (e instanceof Errors.ExitError) return e.oclif.exit ?? 0;
  const oclifExit = (e as { oclif?: { exit?: number } } | undefined)?.oclif?.exit;
  printError(e, debug);
  return e instanceof UserError ? e.exitCode : (oclifExit ?? 1);
}
