import type { CommandSpec, FlagSpec } from './command-spec.ts';

/** Cobra's ShellCompDirective bits, which kubectl (and the shell scripts) read after the candidates. */
export const Directive = { default: 0, error: 1, noSpace: 2, noFileComp: 4 } as const;

export interface Candidate {
  value: string;
  description?: string;
}

export interface Completion {
  candidates: Candidate[];
  directive: number;
}

/**
 * Completes the last of `words` (the words after `kubectl certs`; the last is the one being typed,
 * "" for a new one), as Cobra's `__complete` does: the commands, the flags of the command (and the
 * global flags, also before it), and the values of flags and arguments that have a fixed set. Where
 * a free value is expected (a file, a node name) the shell's own file completion is left on.
 */
export function complete(commands: CommandSpec[], globals: FlagSpec[], words: string[]): Completion {
  const typed = words.at(-1) ?? '';
  const line = readLine(commands, globals, words.slice(0, -1));
  const flags = line.command ? line.command.flags : globals;
  if (line.pendingFlag) return values(line.pendingFlag.options, typed);
  if (typed.startsWith('-')) {
    const eq = typed.indexOf('=');
    if (eq > 0) {
      const flag = flags.find((f) => `--${f.name}` === typed.slice(0, eq));
      return values(
        flag?.options?.map((o) => `${typed.slice(0, eq + 1)}${o}`),
        typed,
      );
    }
    return offer(flagCandidates(flags, line.used, typed === '-'), typed);
  }
  if (line.unknownCommand) return { candidates: [], directive: Directive.noFileComp };
  if (!line.command)
    return offer(
      commands.map((c) => ({ value: c.id, description: c.summary })),
      typed,
    );
  const args = line.command.args;
  const arg =
    line.positionals < args.length ? args[line.positionals] : line.command.variadic ? args.at(-1) : [];
  if (arg === undefined) return { candidates: [], directive: Directive.default };
  return values(arg, typed);
}

interface ParsedLine {
  command?: CommandSpec;
  /** A flag whose value is the word being completed. */
  pendingFlag?: FlagSpec;
  used: Set<string>;
  /** The first positional word names no command. */
  unknownCommand: boolean;
  /** Positional arguments after the command. */
  positionals: number;
}

/** Walks the words before the one being completed, as oclif will parse them. */
function readLine(commands: CommandSpec[], globals: FlagSpec[], words: string[]): ParsedLine {
  const line: ParsedLine = { used: new Set(), unknownCommand: false, positionals: 0 };
  for (let i = 0; i < words.length; i++) {
    const word = words[i] as string;
    const flags = line.command ? line.command.flags : globals;
    if (word.startsWith('-') && word !== '-') {
      const flag = findFlag(flags, word.split('=')[0] as string);
      if (flag) line.used.add(flag.name);
      if (flag?.takesValue && !word.includes('=')) {
        if (i === words.length - 1) line.pendingFlag = flag;
        i++;
      }
    } else if (line.command) line.positionals++;
    else if (!line.unknownCommand) {
      line.command = commands.find((c) => c.id === word);
      line.unknownCommand = !line.command;
    }
  }
  return line;
}

function findFlag(flags: FlagSpec[], word: string): FlagSpec | undefined {
  return flags.find((f) => word === `--${f.name}` || (f.char !== undefined && word === `-${f.char}`));
}

function flagCandidates(flags: FlagSpec[], used: Set<string>, withShort: boolean): Candidate[] {
  return flags
    .filter((f) => f.multiple || !used.has(f.name))
    .flatMap((f) => [
      { value: `--${f.name}`, description: f.description },
      ...(withShort && f.char ? [{ value: `-${f.char}`, description: f.description }] : []),
    ]);
}

/** A value from a fixed set; with no set, whatever the shell completes (files). */
function values(options: readonly string[] | undefined, typed: string): Completion {
  if (!options) return { candidates: [], directive: Directive.default };
  return offer(
    options.map((value) => ({ value })),
    typed,
  );
}

function offer(candidates: Candidate[], typed: string): Completion {
  return { candidates: candidates.filter((c) => c.value.startsWith(typed)), directive: Directive.noFileComp };
}

/** Cobra's output: one candidate a line (a tab before its description), then ":<directive>". */
export function formatCompletion(c: Completion, withDescriptions: boolean): string {
  const lines = c.candidates.map((x) =>
    withDescriptions && x.description ? `${x.value}\t${x.description}` : x.value,
  );
  return `${[...lines, `:${c.directive}`].join('\n')}\n`;
}
