import type { Command } from '@oclif/core';
import ApproveServing from './commands/approve-serving.ts';
import Approver from './commands/approver.ts';
import CheckExpiration from './commands/check-expiration.ts';
import Completion from './commands/completion.ts';
import HelpCommand from './commands/help.ts';
import InspectKubelet from './commands/inspect-kubelet.ts';
import Lint from './commands/lint.ts';
import Rbac from './commands/rbac.ts';
import Secure from './commands/secure.ts';
import Version from './commands/version.ts';

/** Every command, for oclif's "explicit" discovery (one bundle, no file globbing at start-up). */
export const COMMANDS: Record<string, Command.Class> = {
  'approve-serving': ApproveServing,
  approver: Approver,
  'check-expiration': CheckExpiration,
  completion: Completion,
  help: HelpCommand,
  'inspect-kubelet': InspectKubelet,
  lint: Lint,
  rbac: Rbac,
  secure: Secure,
  version: Version,
};
