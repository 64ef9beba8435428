import { posix } from 'node:path';

/**
 * The path in a diff header after `a/` or `b/`, as git writes it: forward slashes, normalised,
 * without a leading `/` or `./` (so an absolute path reads `a/tmp/x.yaml`, never `a//tmp/x.yaml`).
 */
export function diffPath(file: string): string {
  return posix.normalize(file.replaceAll('\\', '/')).replace(/^\/+/, '').replace(/^\.\//, '');
}

/** The unified diff of a fix, with git's `a/` and `b/` headers. */
export function fixPatch(
  file: string,
  before: string,
  after: string,
  createTwoFilesPatch: (
    a: string,
    b: string,
    before: string,
    after: string,
    ha: string,
    hb: string,
  ) => string,
): string {
  const path = diffPath(file);
  return createTwoFilesPatch(`a/${path}`, `b/${path}`, before, after, '', '').trimEnd();
}
