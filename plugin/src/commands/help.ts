import { Args, Command, Help } from '@oclif/core';

/** kubectl's and every Cobra CLI's `help [COMMAND]`: the same text as `--help`. */
export default class HelpCommand extends Command {
  static override summary = 'Show the help of kubectl certs, or of one of its commands.';
  static override strict = false;
  static override args = {
    command: Args.string({ description: 'The command whose help to show.' }),
  };
  static override examples = [
    { description: 'The help of approve-serving:', command: 'kubectl certs help approve-serving' },
  ];

  async run(): Promise<void> {
    const { argv } = await this.parse(HelpCommand);
    await new Help(this.config, this.config.pjson.oclif.helpOptions).showHelp(argv as string[]);
  }
}
