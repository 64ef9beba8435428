/**
 * An object that `secure metrics-server --apply` changed, as it was before the change: what a
 * rollback restores. `before` undefined means the object did not exist, so rollback deletes it.
 */
export interface SavedObject {
  apiVersion: string;
  kind: string;
  namespace?: string | undefined;
  name: string;
  before: Record<string, unknown> | undefined;
  /** What --apply did to it, in words ("created Secret ...: ..."): what is left when it cannot be restored. */
  change?: string | undefined;
  /**
   * Whether --apply's write of it is known to have landed (the API server answered it), or its
   * outcome is unknown (no answer in time, the connection lost, a 5xx): it may or may not have.
   */
  written: 'landed' | 'unknown';
}

/** What applying one leg did: the changes in words, and the objects to restore if it fails. */
export interface LegResult {
  leg: 'kubelet' | 'apiservice';
  changes: string[];
  saved: SavedObject[];
  /** What the leg sends (or would send, with a dry run), in order; with --dry-run=server, the API server's answers. */
  objects?: object[];
  /** What a dry run could not check, one sentence each (stderr). */
  warnings?: string[];
}
