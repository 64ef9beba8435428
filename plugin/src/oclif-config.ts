import { Config, type Interfaces, Plugin } from '@oclif/core';
import pjson from '../package.json' with { type: 'json' };
import { COMMANDS } from './commands.ts';

/**
 * oclif's Config for this CLI, built from the package.json bundled into the CLI and the COMMANDS
 * record. oclif's "explicit" discovery would otherwise find package.json by walking up from `root`
 * and import() the bundle file a second time to read COMMANDS; a single executable application
 * (SEA) has neither file, and the npm bundle saves the lookups.
 */
export async function loadConfig(root: string): Promise<Config> {
  const manifest = pjson as unknown as Interfaces.PJSON;
  const plugin = new Plugin({ root, pjson: manifest, isRoot: true, ignoreManifest: true });
  // commandCache is oclif's private memo of the explicit strategy's import (pinned @oclif/core;
  // the SEA and npm-package tests run --help and every command id through it).
  Object.assign(plugin, { commandCache: COMMANDS });
  await plugin.load();
  return Config.load({ root, pjson: manifest, plugins: new Map([[plugin.name, plugin]]) });
}
