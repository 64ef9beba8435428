import { textRange } from '../source-text.ts';
import { type TemplateLanguage, templateMarkup } from '../templates.ts';
import type { Rule } from '../types.ts';

const ID = 'template-file';

const WHAT_TO_LINT: Record<TemplateLanguage, string> = {
  helm: 'a Helm template is YAML only once Helm renders it: lint what it renders (helm template <release> <chart> -f <values.yaml> | kubectl certs lint -), or the values file you give the chart',
  jinja:
    'a Jinja template (Ansible) is YAML only once it is rendered: lint the file it renders, or the inventory variables it reads (group_vars)',
};

/**
 * A Helm or Jinja template is not linted as YAML (its syntax errors are the markup's, not the
 * user's): one notice says what to lint instead. lint() gives this rule the whole file, with
 * kind "template", in place of its documents.
 */
export const templateFile: Rule = {
  id: ID,
  severity: 'info',
  summary: 'A Helm or Jinja template: not linted as it stands; lint what it renders, or its values.',
  check(ctx) {
    if (ctx.kind !== 'template') return [];
    const markup = templateMarkup(ctx.text, ctx.options.path);
    if (!markup) return [];
    return [
      {
        ruleId: ID,
        severity: 'info',
        message: `Not linted: ${WHAT_TO_LINT[markup.language]}.`,
        range: textRange(ctx.lineCounter, markup.start, markup.end),
        fixes: [],
      },
    ];
  },
};
