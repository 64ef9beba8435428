import { isMap, isScalar, type Node, type YAMLMap } from 'yaml';
import { textRange } from '../source-text.ts';
import type { Rule } from '../types.ts';
import { removeMapEntry } from '../yaml-edits.ts';

/** The API server rejects an APIService that sets both: a caBundle means "verify with this". */
export const apiserviceInsecureWithCaBundle: Rule = {
  id: 'apiservice-insecure-with-cabundle',
  liveCluster: 'apply',
  severity: 'error',
  summary: 'APIService with both caBundle and insecureSkipTLSVerify: true: the API server rejects it.',
  check(ctx) {
    if (ctx.kind !== 'apiservice') return [];
    const spec = ctx.doc.getIn(['spec'], true);
    if (!isMap(spec)) return [];
    const skip = (spec as YAMLMap).get('insecureSkipTLSVerify', true);
    const bundle = (spec as YAMLMap).get('caBundle');
    if (!isScalar(skip) || skip.value !== true || typeof bundle !== 'string' || bundle.trim() === '')
      return [];
    const [start, end] = (skip as Node).range ?? [0, 0];
    const edit = removeMapEntry(ctx.text, spec as YAMLMap, 'insecureSkipTLSVerify');
    return [
      {
        ruleId: 'apiservice-insecure-with-cabundle',
        severity: 'error',
        message:
          'The API server rejects an APIService with both caBundle and insecureSkipTLSVerify: true: remove insecureSkipTLSVerify and verify with the caBundle.',
        range: textRange(ctx.lineCounter, start, end),
        fixes: edit
          ? [{ title: 'Remove insecureSkipTLSVerify (verify with the caBundle)', edits: [edit] }]
          : [],
      },
    ];
  },
};
