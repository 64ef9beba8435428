import type { Command } from '@oclif/core';
import { type CommandSpec, commandSpecs, type FlagSpec, globalFlagSpecs } from './completion/command-spec.ts';

/**
 * What the CLI's quick answers (root help, `--version`, `version --client`, completion) need to know
 * of the commands, taken from the command classes. The build computes it once and bundles it, so
 * those answers start without oclif or any command module (fast-path.ts).
 */
export interface CliManifest {
  name: string;
  version: string;
  /** package.json's description: the first line of the root help. */
  description: string;
  /** What the usage line calls the CLI (oclif's `bin`). */
  bin: string;
  /** The root help's COMMANDS list: visible commands, sorted, with their one-line summaries. */
  commands: { id: string; summary: string }[];
  completion: { commands: CommandSpec[]; globals: FlagSpec[] };
}

interface PackageJson {
  name: string;
  version: string;
  description?: string;
  oclif: { bin: string; description?: string };
}

export function cliManifest(
  commands: Record<string, Command.Class>,
  globalFlags: Record<string, unknown>,
  pjson: PackageJson,
): CliManifest {
  const visible = Object.entries(commands).filter(([, c]) => !c.hidden);
  const texts = [
    pjson.oclif.description,
    pjson.description,
    ...visible.map(([, c]) => c.summary ?? c.description),
  ];
  // oclif renders help texts as EJS templates; the quick root help does not, so none may be one.
  if (texts.some((t) => t?.includes('<%')))
    throw new Error('a command summary or the package description uses an EJS template');
  for (const [id, c] of visible)
    if (id.includes(':') || c.aliases.length > 0)
      throw new Error(`${id}: topics and aliases are not in the quick root help`);
  return {
    name: pjson.name,
    version: pjson.version,
    description: pjson.oclif.description ?? pjson.description ?? '',
    bin: pjson.oclif.bin,
    commands: visible
      .map(([id, c]) => ({ id, summary: (c.summary || c.description || '').split('\n', 1)[0] ?? '' }))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
    completion: { commands: commandSpecs(commands), globals: globalFlagSpecs(globalFlags) },
  };
}
