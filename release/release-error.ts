/** A release step that failed in a way the person running it can fix: printed as one line. */
export class ReleaseError extends Error {
  override name = 'ReleaseError';
}
