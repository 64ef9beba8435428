/** Global flags that take a value, as kubectl spells them. */
const VALUE_FLAGS = new Set(['--kubeconfig', '--context', '--request-timeout', '--output', '-o']);
const BOOLEAN_FLAGS = new Set(['--debug']);

/**
 * kubectl passes a plugin its arguments unchanged, so `kubectl certs --context x version` gives us
 * "--context x version". oclif needs the command first: move leading global flags behind it.
 */
export function moveGlobalFlagsAfterCommand(argv: readonly string[]): string[] {
  const leading: string[] = [];
  let i = 0;
  while (i < argv.length) {
    const arg = argv[i] as string;
    const name = arg.includes('=') ? arg.slice(0, arg.indexOf('=')) : arg;
    if (VALUE_FLAGS.has(name)) {
      const takesNext = !arg.includes('=') && i + 1 < argv.length;
      leading.push(...argv.slice(i, i + (takesNext ? 2 : 1)));
      i += takesNext ? 2 : 1;
    } else if (BOOLEAN_FLAGS.has(arg)) {
      leading.push(arg);
      i += 1;
    } else break;
  }
  if (leading.length === 0 || i >= argv.length || (argv[i] as string).startsWith('-')) return [...argv];
  return [argv[i] as string, ...leading, ...argv.slice(i + 1)];
}
