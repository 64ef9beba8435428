import { isMap, isScalar, type YAMLMap } from 'yaml';
import { shortHumanDuration } from '../../expiration/durations.ts';
import { CA_EXPIRY_WARNING_MS, decodeCaBundle } from '../ca-bundle.ts';
import { textRange } from '../source-text.ts';
import type { Finding, Rule } from '../types.ts';

/** An APIService caBundle must be base64 of PEM certificates that have not expired and do not soon. */
export const cabundleInvalid: Rule = {
  id: 'cabundle-invalid',
  severity: 'error',
  summary:
    'An APIService caBundle that is not base64 of PEM certificates, or whose CA has expired or expires within 30 days.',
  check(ctx) {
    if (ctx.kind !== 'apiservice') return [];
    const spec = ctx.doc.getIn(['spec'], true);
    const node = isMap(spec) ? (spec as YAMLMap).get('caBundle', true) : undefined;
    if (!isScalar(node) || typeof node.value !== 'string' || node.value.trim() === '') return [];
    const [start, end] = node.range ?? [0, 0];
    const at = (severity: Finding['severity'], message: string): Finding[] => [
      {
        ruleId: 'cabundle-invalid',
        severity,
        message,
        range: textRange(ctx.lineCounter, start, end),
        fixes: [],
      },
    ];
    const bundle = decodeCaBundle(node.value);
    if (!bundle.ok) return at('error', bundle.reason);
    const certs = bundle.certificates;
    const now = ctx.options.now ?? new Date();
    const soonest = [...certs].sort((a, b) => a.notAfter.getTime() - b.notAfter.getTime())[0];
    if (!soonest) return [];
    const left = soonest.notAfter.getTime() - now.getTime();
    if (left < 0)
      return at(
        'error',
        `The CA in caBundle (${soonest.subject.text}) expired on ${soonest.notAfter.toISOString()}: the API server cannot verify metrics-server.`,
      );
    if (left < CA_EXPIRY_WARNING_MS)
      return at(
        'warning',
        `The CA in caBundle (${soonest.subject.text}) expires in ${shortHumanDuration(left)}: renew it before then.`,
      );
    return [];
  },
};
