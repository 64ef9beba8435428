import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** SHA256SUMS in sha256sum's format ("<hex>  <name>"), so `sha256sum -c SHA256SUMS` checks a download. */
export async function sha256Sums(paths: string[]): Promise<string> {
  const lines: string[] = [];
  for (const p of paths) lines.push(`${await sha256File(p)}  ${basename(p)}`);
  return `${lines.join('\n')}\n`;
}
