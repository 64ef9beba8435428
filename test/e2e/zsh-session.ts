import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ZSH } from './xplat-tools.ts';

/**
 * Drives an interactive `zsh -f` on a pseudo-terminal (zsh's own zpty module), as a person at a
 * terminal would: runs each setup line and waits for the prompt, then types `typed`, presses TAB, and
 * reads the command line that zsh's completion left (a widget bound to ^T appends $BUFFER to a file;
 * ^T is no prefix key, so it cannot swallow the next key).
 */
const DRIVER = `zmodload zsh/zpty || exit 2
out=$1 n=$2; shift 2
setup=("\${(@)argv[1,n]}") typed=$argv[-1]
zpty sh zsh -f -i
ready() { zpty -r sh line '*RE:ADY>*' || { print -u2 "zsh gave no prompt after: $1"; exit 1 } }
zpty -w sh "PS1='RE:''ADY> '"; ready PS1
for cmd in "\${setup[@]}" "dump() { print -r -- \\"\\$BUFFER\\" >> \${(q)out}; BUFFER= }; zle -N dump; bindkey '^T' dump"; do
  zpty -w sh "$cmd"; ready "$cmd"
done
zpty -w -n sh "$typed"$'\\t\\x14'
zpty -w sh exit
while zpty -r sh line; do print -rn -- "$line"; done
zpty -d sh
`;

/** The command line after TAB; when the session fails, the error holds what the terminal showed. */
export function zshCompletes(
  setup: string[],
  typed: string,
  opts: { cwd: string; env: Record<string, string> },
): string {
  const dir = mkdtempSync(join(tmpdir(), 'kc-zsh-'));
  try {
    const out = join(dir, 'buffer');
    const r = spawnSync(ZSH, ['-f', '-c', DRIVER, 'zsh', out, String(setup.length), ...setup, typed], {
      cwd: opts.cwd,
      env: { TERM: 'xterm', ...opts.env },
      encoding: 'utf8',
      timeout: 60_000,
    });
    if (r.status !== 0 || !existsSync(out))
      throw new Error(`the zsh session failed (${r.status ?? r.signal}): ${r.stderr}\n${r.stdout}`);
    return readFileSync(out, 'utf8').replace(/\n$/, '');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
