import pjson from '../package.json' with { type: 'json' };
import { globalFlags } from './base-command.ts';
import { type CliManifest, cliManifest } from './cli-manifest.ts';
import { COMMANDS } from './commands.ts';

/**
 * The CLI manifest, computed from the command classes. The bundles never carry this module: the
 * build calls it once and puts the result in its place (plugin/build.ts), so a quick answer loads
 * no command.
 */
export async function loadCliManifest(): Promise<CliManifest> {
  return cliManifest(COMMANDS, globalFlags, pjson);
}
