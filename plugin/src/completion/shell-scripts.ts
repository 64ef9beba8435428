/**
 * Completion scripts for the standalone `kubectl-certs` executable. Each asks the executable itself
 * (`kubectl-certs __complete WORDS...`, the protocol kubectl uses through kubectl_complete-certs), so
 * the scripts never list commands or flags and never go stale. The last line of the answer is
 * ":<directive>"; bit 4 (no file completion) says whether the shell may fall back to file names.
 */
export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

export function completionScript(shell: Shell, program = 'kubectl-certs'): string {
  const fn = `__${program.replace(/\W/g, '_')}_complete`;
  return { bash, zsh, fish }[shell](program, fn);
}

const bash = (program: string, fn: string) => `# bash completion for ${program}: source it, or save it as
# /etc/bash_completion.d/${program} (or ~/.local/share/bash-completion/completions/${program}).
${fn}() {
  local cur=\${COMP_WORDS[COMP_CWORD]} out directive
  out=$("\${COMP_WORDS[0]}" __completeNoDesc "\${COMP_WORDS[@]:1:COMP_CWORD-1}" "$cur" 2>/dev/null) || return
  directive=\${out##*:}
  out=\${out%:*}
  local IFS=$'\\n'
  COMPREPLY=($(compgen -W "$out" -- "$cur"))
  if [ \${#COMPREPLY[@]} -eq 0 ] && [ $((directive & 4)) -eq 0 ]; then
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}
complete -o filenames -F ${fn} ${program}
`;

const zsh = (program: string, fn: string) => `#compdef ${program}
# zsh completion for ${program}: save it as _${program} in a folder of $fpath, or source it after compinit.
${fn}() {
  local -a lines candidates
  local directive
  lines=("\${(@f)$(\${words[1]} __complete "\${(@)words[2,CURRENT-1]}" "\${words[CURRENT]}" 2>/dev/null)}")
  directive=\${lines[-1]#:}
  candidates=("\${(@)lines[1,-2]}")
  candidates=("\${(@)candidates//:/\\\\:}")
  candidates=("\${(@)candidates//$'\\t'/:}")
  if (( \${#candidates} )); then
    _describe 'values' candidates
  elif (( (directive & 4) == 0 )); then
    _files
  fi
}
# Autoloaded from $fpath, this file is the body of _${program}, run at the first TAB: complete now.
# Sourced, it registers the function for the TABs to come.
if [ "$funcstack[1]" = "_${program}" ]; then
  ${fn} "$@"
else
  compdef ${fn} ${program}
fi
`;

const fish = (
  program: string,
  fn: string,
) => `# fish completion for ${program}: save it as ~/.config/fish/completions/${program}.fish
function ${fn}
  set -l words (commandline -opc)
  set -l out ($words[1] __complete $words[2..-1] (commandline -ct) 2>/dev/null)
  set -l directive (string replace ':' '' -- $out[-1])
  set -e out[-1]
  if test (count $out) -gt 0
    printf '%s\\n' $out
  else if test (math "bitand($directive, 4)") -eq 0
    __fish_complete_path (commandline -ct)
  end
end
complete -c ${program} -f -a '(${fn})'
`;
