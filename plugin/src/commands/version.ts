import { Flags } from '@oclif/core';
import { BaseCommand } from '../base-command.ts';
import { clientVersion, type VersionReport, versionLines } from '../client-version.ts';
import { renderData } from '../output.ts';

export default class Version extends BaseCommand {
  static override summary = 'Print the client version and, unless --client, the API server version.';
  static override examples = [
    { description: 'Client and server versions of the current context:', command: 'kubectl certs version' },
    { description: 'Only the client, as JSON:', command: 'kubectl certs version --client -o json' },
    { description: 'Another context:', command: 'kubectl certs --context prod version' },
  ];
  static override flags = {
    client: Flags.boolean({ description: 'Print the client version only; do not contact a server.' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Version);
    const g = this.globals(flags);
    const report: VersionReport = { clientVersion: clientVersion() };
    if (!flags.client) {
      const { serverVersion } = await import('../kube/server-version.ts');
      report.serverVersion = await serverVersion(g);
    }
    this.log(g.output === 'table' ? versionLines(report) : renderData(report, g.output));
  }
}
