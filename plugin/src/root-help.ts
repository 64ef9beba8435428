import ansis from 'ansis';
import indentString from 'indent-string';
import stringWidth from 'string-width';
import supportsColor from 'supports-color';
import widestLine from 'widest-line';
import wrapAnsi from 'wrap-ansi';
import type { CliManifest } from './cli-manifest.ts';

/**
 * The root help (`kubectl certs`, `--help`, `-h`) as oclif's Help prints it, from the bundled
 * manifest instead of a loaded oclif: the same layout steps (oclif 5's RootHelp, formatCommands and
 * renderList) with the same text libraries. A test holds it equal to oclif's output at many widths.
 */
export function rootHelp(m: CliManifest, maxWidth = helpWidth()): string {
  const f = formatter(maxWidth);
  const [summary = '', ...rest] = m.description.split('\n');
  const root = [
    summary,
    f.section('VERSION', f.wrap(userAgent(m))),
    f.section('USAGE', f.wrap(`$ ${m.bin} [COMMAND]`)),
    rest.length > 0 && rest.join('\n') ? f.section('DESCRIPTION', f.wrap(rest.join('\n'))) : '',
  ]
    .filter(Boolean)
    .join('\n\n');
  const out = [root, ''];
  if (m.commands.length > 0)
    out.push(f.section('COMMANDS', f.renderList(m.commands.map((c) => [c.id, c.summary]))), '');
  return `${out.join('\n')}\n`;
}

/** oclif's `config.userAgent`, which `--version` prints and the root help shows. */
export function userAgent(m: CliManifest): string {
  return `${m.name}/${m.version} ${process.platform}-${process.arch} node-${process.version}`;
}

/** oclif's screen width: OCLIF_COLUMNS, else the terminal's (at least 40), else 80. */
function helpWidth(): number {
  const columns = Number.parseInt(process.env.OCLIF_COLUMNS ?? '', 10);
  if (columns) return columns;
  if (!process.stdout.isTTY) return 80;
  const [width = 0] = process.stdout.getWindowSize();
  return width < 1 ? 80 : Math.max(width, 40);
}

function formatter(maxWidth: number) {
  const INDENT = 2;
  const wrap = (body: string, spacing = INDENT) => wrapAnsi(body, maxWidth - spacing, { hard: true });
  const indent = (body: string, spacing = INDENT) => indentString(body, spacing);
  // oclif's colorize('bold', …): only where supports-color (asked of no stream) allows it.
  const bold = (text: string) => (supportsColor.supportsColor() ? ansis.bold(text) : text);
  const section = (header: string, body: string) => [bold(header), indent(body)].join('\n');

  /** oclif's renderList with indentation 2 and spacer "\n": two columns, or a block per item. */
  const renderList = (items: [string, string][]): string => {
    const multiline = () =>
      items
        .map(
          ([left, right]) =>
            `${wrap(left.trim(), INDENT)}${right ? `\n${indent(wrap(right.trim(), INDENT + 2), 4)}` : ''}\n\n`,
        )
        .join('')
        .trim();
    const maxLength = widestLine(items.map(([left]) => left).join('\n'));
    const rows: string[] = [];
    for (const [left, right] of items) {
      if (!right) {
        rows.push(left.trim());
        continue;
      }
      const [first, ...lines] = wrap(right.trim(), INDENT + maxLength + 2)
        .split('\n')
        .map((s) => s.trim());
      if (lines.length > 4) return multiline();
      const head = `${left}${' '.repeat(maxLength - stringWidth(left) + 2)}${first}`;
      rows.push(lines.length === 0 ? head : `${head}\n${indent(lines.join('\n'), maxLength + 2)}`);
    }
    return rows.join('\n').trim();
  };
  return { wrap, section, renderList };
}
