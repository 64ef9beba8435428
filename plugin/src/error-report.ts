/** Whether the user asked for stack traces: --debug, or DEBUG naming kubectl-certs (or "*"). */
export function debugRequested(argv: readonly string[]): boolean {
  return argv.includes('--debug') || /\bkubectl-certs\b|\*/.test(process.env.DEBUG ?? '');
}

/** Prints an error as kubectl does, one line "error: ..." on stderr; the stack trace only when asked. */
export function printError(e: unknown, debug: boolean): void {
  const err = e instanceof Error ? e : new Error(String(e));
  const first = err.message.split('\n')[0]?.trim() || err.name;
  process.stderr.write(`error: ${first}\n`);
  if (debug && err.stack) process.stderr.write(`${err.stack}\n`);
}
