import type { Command } from '@oclif/core';

/** What completion needs to know of one flag, read from the command class's oclif metadata. */
export interface FlagSpec {
  name: string;
  char?: string;
  description: string;
  takesValue: boolean;
  options?: readonly string[];
  multiple: boolean;
}

export interface CommandSpec {
  id: string;
  summary: string;
  flags: FlagSpec[];
  /** Allowed values of each positional argument, in order (undefined: any value). */
  args: (readonly string[] | undefined)[];
  /** Takes more arguments than it declares (oclif's strict = false). */
  variadic: boolean;
}

type FlagLike = {
  type: string;
  char?: string;
  summary?: string;
  description?: string;
  options?: readonly string[];
  multiple?: boolean;
  hidden?: boolean;
};

/**
 * Completion's view of every visible command (as Cobra, it offers no hidden one): derived from the
 * classes oclif runs, never kept by hand.
 */
export function commandSpecs(commands: Record<string, Command.Class>): CommandSpec[] {
  return Object.entries(commands)
    .filter(([, cmd]) => !cmd.hidden)
    .map(([id, cmd]) => ({
      id,
      summary: firstLine(cmd.summary ?? cmd.description ?? ''),
      flags: flagSpecs({ ...cmd.baseFlags, ...cmd.flags } as Record<string, FlagLike>),
      args: Object.values((cmd.args ?? {}) as Record<string, { options?: readonly string[] }>).map(
        (a) => a.options,
      ),
      variadic: cmd.strict === false,
    }))
    .sort((a, b) => a.id.localeCompare(b.id));
}

/** The global flags (kubectl's), which every command shares and which may come before the command. */
export function globalFlagSpecs(globals: Record<string, unknown>): FlagSpec[] {
  return flagSpecs(globals as Record<string, FlagLike>);
}

function flagSpecs(flags: Record<string, FlagLike>): FlagSpec[] {
  return Object.entries(flags)
    .filter(([, f]) => !f.hidden)
    .map(([name, f]) => ({
      name,
      ...(f.char ? { char: f.char } : {}),
      description: firstLine(f.summary ?? f.description ?? ''),
      takesValue: f.type === 'option',
      ...(f.options ? { options: f.options } : {}),
      multiple: f.multiple === true,
    }));
}

const firstLine = (text: string) => text.split('\n')[0]?.trim() ?? '';
