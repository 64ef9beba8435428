import type { CommandSpec, FlagSpec } from './command-spec.ts';
import { complete, formatCompletion } from './complete.ts';

/** The names Cobra gives its hidden completion command; kubectl calls the first. */
export const COMPLETE_COMMANDS = ['__complete', '__completeNoDesc'];

/** The answer to `kubectl-certs __complete WORDS...`, as kubectl and the shell scripts expect it. */
export function completionAnswer(
  argv: readonly string[],
  specs: { commands: CommandSpec[]; globals: FlagSpec[] },
): string {
  const completion = complete(specs.commands, specs.globals, argv.slice(1));
  return formatCompletion(completion, argv[0] === '__complete');
}
