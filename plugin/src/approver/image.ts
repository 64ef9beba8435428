/** The approver's container image (built by scripts/release); tags are the release's version. */
export const IMAGE_REPOSITORY = 'ghcr.io/kubectl-certs/kubectl-certs';

export function imageOf(version: string): string {
  return `${IMAGE_REPOSITORY}:v${version}`;
}
