import type { Chunk } from './parsed-file.ts';

/**
 * Go template actions (Helm), Jinja statements and comments (Ansible): `{{ }}`, `{% %}`, `{# #}`,
 * each on one line (as they are written; and the search stays linear on a large file).
 */
const MARKUP = /\{\{[^\n]*?\}\}|\{%[^\n]*?%\}|\{#[^\n]*?#\}/;
/** A file under a Helm chart's templates/ folder: Helm renders it before anyone reads it. */
const CHART_TEMPLATE = /(^|[\\/])templates[\\/](.+[\\/])?[^\\/]+\.(ya?ml|tpl)$/i;
/** Go template actions start with a field, a variable or a keyword; Jinja's with a plain name. */
const GO_ACTION = /\{\{-?\s*(\.|\$|(include|template|toYaml|tpl|with|range|if|define|end)\b)/;
/** Jinja's own syntax (statements, comments), or its file name. */
const JINJA = /\{%|\{#/;
const JINJA_FILE = /\.(j2|jinja2?)$/i;

function languageOf(text: string, path: string | undefined): TemplateLanguage {
  if (path && CHART_TEMPLATE.test(path)) return 'helm';
  if (JINJA.test(text) || (path && JINJA_FILE.test(path))) return 'jinja';
  return GO_ACTION.test(text) ? 'helm' : 'jinja';
}

export type TemplateLanguage = 'helm' | 'jinja';

export interface TemplateMarkup {
  language: TemplateLanguage;
  /** Where the first markup starts and ends in the file. */
  start: number;
  end: number;
}

/** The first template markup of the text, and which template language it looks like. */
export function templateMarkup(text: string, path: string | undefined): TemplateMarkup | undefined {
  const m = MARKUP.exec(text);
  return m ? { language: languageOf(text, path), start: m.index, end: m.index + m[0].length } : undefined;
}

/**
 * The file is a template when it holds template markup and is not YAML as it stands (the markup
 * broke the syntax), or sits in a chart's templates/ folder. Markup inside valid YAML (an alert's
 * `{{ $labels.instance }}`, a workflow's `{{inputs.parameters.x}}`) is just text: that file is
 * linted as usual.
 */
export function isTemplateFile(text: string, chunks: readonly Chunk[], path: string | undefined): boolean {
  if (!MARKUP.test(text)) return false;
  return (
    (path !== undefined && CHART_TEMPLATE.test(path)) ||
    chunks.some((c) => c.docs.some((d) => d.errors.length > 0))
  );
}
