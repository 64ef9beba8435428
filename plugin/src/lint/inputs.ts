import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fsErrorReason } from '../fs-error.ts';

export interface Input {
  /** The path as given (or found under a folder), "-" for stdin. */
  name: string;
  text?: string;
  /** Why it could not be read. */
  error?: string;
}

const YAML = /\.ya?ml$/i;

/** Files as given, folders walked for *.yaml/*.yml (dot-folders and node_modules skipped), "-" for stdin. */
export function collectInputs(paths: string[], readStdin: () => string): Input[] {
  return paths.flatMap((p): Input[] => {
    if (p === '-') return [{ name: '-', text: readStdin() }];
    try {
      return statSync(p).isDirectory() ? walk(p).map(read) : [read(p)];
    } catch (e) {
      return [{ name: p, error: fsErrorReason(e) }];
    }
  });
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((e) => {
      if (e.name.startsWith('.') || e.name === 'node_modules') return [];
      const p = join(dir, e.name);
      return e.isDirectory() ? walk(p) : YAML.test(e.name) ? [p] : [];
    });
}

function read(file: string): Input {
  try {
    return { name: file, text: readFileSync(file, 'utf8') };
  } catch (e) {
    return { name: file, error: fsErrorReason(e) };
  }
}
