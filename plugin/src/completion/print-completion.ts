import { globalFlags } from '../base-command.ts';
import { COMMANDS } from '../commands.ts';
import { commandSpecs, globalFlagSpecs } from './command-spec.ts';
import { complete, formatCompletion } from './complete.ts';

/** The names Cobra gives its hidden completion command; kubectl calls the first. */
export const COMPLETE_COMMANDS = ['__complete', '__completeNoDesc'];

/** Answers `kubectl-certs __complete WORDS...` on stdout, as kubectl and the shell scripts expect. */
export function printCompletion(argv: string[]): void {
  const completion = complete(commandSpecs(COMMANDS), globalFlagSpecs(globalFlags), argv.slice(1));
  process.stdout.write(formatCompletion(completion, argv[0] === '__complete'));
}
