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
