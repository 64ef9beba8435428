import { isMap, isScalar, type Scalar, type YAMLMap } from 'yaml';
import { helmValuesPath } from '../helm-values.ts';
import { textRange } from '../source-text.ts';
import type { Fix, Rule, RuleContext, TextEdit } from '../types.ts';
import { addMapEntry, replaceScalar } from '../yaml-edits.ts';

const ID = 'helm-apiservice-insecure';
/** tls.type values with which the chart knows a CA and writes it into the APIService. */
const CA_TYPES = new Set(['helm', 'cert-manager', 'existingSecret']);

/** The edit that makes tls.type "helm": the chart then generates a CA-verifiable certificate. */
function useHelmTls(ctx: RuleContext, values: YAMLMap): TextEdit | undefined {
  const tls = values.get('tls', true);
  if (isMap(tls)) {
    const type = tls.get('type', true);
    return isScalar(type) ? replaceScalar(type, 'helm') : addMapEntry(ctx.text, tls, 'type', 'helm', ctx.eol);
  }
  return tls === undefined ? addMapEntry(ctx.text, values, 'tls', '{type: helm}', ctx.eol) : undefined;
}

/**
 * The chart's APIService skips TLS verification (apiService.insecureSkipTLSVerify: true): the API
 * server then trusts whatever answers as metrics-server.
 */
export const helmApiserviceInsecure: Rule = {
  id: ID,
  liveCluster: 'print-values',
  severity: 'warning',
  summary:
    'metrics-server Helm values set apiService.insecureSkipTLSVerify: true: the API server does not verify metrics-server.',
  check(ctx) {
    if (ctx.kind !== 'metrics-server-helm-values') return [];
    const root = helmValuesPath(ctx.doc) ?? [];
    const values = root.length ? ctx.doc.getIn(root, true) : ctx.doc.contents;
    const skip = ctx.doc.getIn([...root, 'apiService', 'insecureSkipTLSVerify'], true);
    if (!isMap(values) || !isScalar(skip) || skip.value !== true) return [];
    const type = ctx.doc.getIn([...root, 'tls', 'type']);
    const hasCa = typeof type === 'string' && CA_TYPES.has(type);
    const verify = replaceScalar(skip as Scalar, 'false');
    const helmTls = hasCa ? undefined : useHelmTls(ctx, values);
    const fixes: Fix[] = hasCa
      ? [{ title: 'Set apiService.insecureSkipTLSVerify: false', edits: [verify] }]
      : helmTls
        ? [
            {
              title: 'Let the chart make the certificate and its CA (tls.type: helm) and verify it',
              edits: [verify, helmTls],
            },
          ]
        : [];
    const [start, end] = skip.range ?? [0, 0];
    return [
      {
        ruleId: ID,
        severity: 'warning',
        message: hasCa
          ? `The API server does not verify metrics-server although tls.type: ${type} gives the chart a CA: set apiService.insecureSkipTLSVerify: false.`
          : `The API server does not verify metrics-server (apiService.insecureSkipTLSVerify: true), and ${typeof type === 'string' ? `tls.type "${type}"` : "an unset tls.type (metrics-server's self-signed certificate)"} gives it no CA to verify with: use tls.type helm, cert-manager or existingSecret, then set insecureSkipTLSVerify: false.`,
        range: textRange(ctx.lineCounter, start, end),
        fixes,
      },
    ];
  },
};
