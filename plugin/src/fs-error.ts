/**
 * Why a file operation failed, in words and without the path (the caller names the file once):
 * Node's "ENOENT: no such file or directory, open 'x'" becomes "no such file or directory".
 */
export function fsErrorReason(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  const m = /^E[A-Z]+: (.+?)(, \w+( '.*')?)?$/.exec(message);
  return m?.[1] ?? message.split('\n')[0] ?? message;
}
