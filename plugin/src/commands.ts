import type { Command } from '@oclif/core';
import Version from './commands/version.ts';

/** Every command, for oclif's "explicit" discovery (one bundle, no file globbing at start-up). */
export const COMMANDS: Record<string, Command.Class> = {
  version: Version,
};
