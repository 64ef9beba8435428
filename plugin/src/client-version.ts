declare const KUBECTL_CERTS_VERSION: string;

export interface ClientVersion {
  version: string;
  nodeVersion: string;
  platform: string;
}

/** This executable's version, as `version` prints it under "clientVersion". */
export function clientVersion(): ClientVersion {
  return {
    version: `v${KUBECTL_CERTS_VERSION}`,
    nodeVersion: process.version,
    platform: `${process.platform}/${process.arch}`,
  };
}

/** What `version` reports: this executable, and the API server's version unless --client. */
export interface VersionReport {
  clientVersion: ClientVersion;
  serverVersion?: { gitVersion: string };
}

/** `version`'s table output, kubectl's lines: "Client Version: …" and "Server Version: …". */
export function versionLines(r: VersionReport): string {
  const lines = [`Client Version: ${r.clientVersion.version}`];
  if (r.serverVersion) lines.push(`Server Version: ${r.serverVersion.gitVersion}`);
  return lines.join('\n');
}
