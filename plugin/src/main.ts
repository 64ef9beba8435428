import { loadCliManifest } from './cli-manifest-source.ts';
import { debugRequested, printError } from './error-report.ts';
import { quickAnswer } from './fast-path.ts';

/**
 * Runs the CLI: a quick answer (root help, version, completion) straight from the bundled manifest,
 * anything else through oclif, loaded only then (oclif-main.ts). `root` is the folder oclif treats
 * as the package's.
 */
export async function main(argv: string[], root: string): Promise<void> {
  try {
    const quick = quickAnswer(argv);
    if (quick) {
      process.stdout.write(quick(await loadCliManifest()));
      return;
    }
    const { runOclif } = await import('./oclif-main.ts');
    await runOclif(argv, root);
  } catch (e) {
    // runOclif reports the commands' errors itself; this is for a failure before or around it.
    printError(e, debugRequested(argv));
    process.exitCode = 1;
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
