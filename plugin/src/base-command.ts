import { Command, Flags, type Interfaces } from '@oclif/core';
import { parseDuration } from './duration.ts';
import type { OutputFormat } from './output.ts';

/** kubectl's global flags, accepted by every command (before or after the command name). */
export const globalFlags = {
  kubeconfig: Flags.string({ description: 'Path to the kubeconfig file to use.', helpGroup: 'GLOBAL' }),
  context: Flags.string({ description: 'The name of the kubeconfig context to use.', helpGroup: 'GLOBAL' }),
  'request-timeout': Flags.string({
    description: 'How long to wait for a single server request (e.g. 10s, 1m; 0 = no limit).',
    default: '30s',
    helpGroup: 'GLOBAL',
  }),
  output: Flags.string({
    char: 'o',
    description: 'Output format.',
    options: ['table', 'json', 'yaml'],
    default: 'table',
    helpGroup: 'GLOBAL',
  }),
  debug: Flags.boolean({
    description: 'Show stack traces of errors (or set DEBUG=kubectl-certs).',
    helpGroup: 'GLOBAL',
  }),
};

type GlobalFlags = Interfaces.InferredFlags<typeof globalFlags>;

export abstract class BaseCommand extends Command {
  static override baseFlags = globalFlags;

  /** Parsed global flags, with the timeout in milliseconds. */
  protected globals(flags: GlobalFlags): {
    kubeconfig?: string;
    context?: string;
    timeoutMs: number;
    output: OutputFormat;
  } {
    return {
      ...(flags.kubeconfig ? { kubeconfig: flags.kubeconfig } : {}),
      ...(flags.context ? { context: flags.context } : {}),
      timeoutMs: parseDuration(flags['request-timeout'], '--request-timeout'),
      output: flags.output as OutputFormat,
    };
  }
}
