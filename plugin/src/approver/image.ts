/** The approver's container image (built by scripts/release); tags are the release's version. */
export const IMAGE_REPOSITORY = 'ghcr.io/kubectl-certs/kubectl-certs';

export function imageOf(version: string): string {
  return `${IMAGE_REPOSITORY}:v${version}`;
}

/** One platform's image of the release (the index above picks it by platform; `ctr import` names both). */
export function platformImageOf(version: string, arch: string): string {
  return `${imageOf(version)}-${arch}`;
}
