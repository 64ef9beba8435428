import { Args } from '@oclif/core';
import { BaseCommand } from '../base-command.ts';
import { completionScript, SHELLS, type Shell } from '../completion/shell-scripts.ts';

export default class Completion extends BaseCommand {
  static override summary = 'Print the shell completion script for the kubectl-certs executable.';
  static override description =
    'kubectl 1.26 and newer complete "kubectl certs ..." by themselves when kubectl_complete-certs is on PATH (it comes with every install). This script is for running kubectl-certs directly.';
  static override examples = [
    { description: 'bash, for this shell:', command: 'source <(kubectl certs completion bash)' },
    {
      description: 'zsh, for every new shell:',
      command:
        'kubectl certs completion zsh > ~/.zfunc/_kubectl-certs   # with fpath+=(~/.zfunc) before compinit',
    },
    {
      description: 'fish:',
      command: 'kubectl certs completion fish > ~/.config/fish/completions/kubectl-certs.fish',
    },
  ];
  static override args = {
    shell: Args.string({ description: 'The shell.', options: [...SHELLS], required: true }),
  };

  async run(): Promise<void> {
    const { args } = await this.parse(Completion);
    this.log(completionScript(args.shell as Shell).trimEnd());
  }
}
