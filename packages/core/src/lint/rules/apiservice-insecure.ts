import { isMap, isScalar, type YAMLMap } from 'yaml';
import { textRange } from '../source-text.ts';
import type { Fix, Rule, RuleContext } from '../types.ts';
import { addMapEntry, replaceScalar } from '../yaml-edits.ts';

const METRICS = 'v1beta1.metrics.k8s.io';
/** Without the CA lint cannot write the caBundle: say how to give it (the CLI flag, the editor command). */
const NAME_THE_CA =
  " Name that CA and this has a fix: kubectl certs lint --apiservice-ca-file FILE (or, in the editor, 'Insert caBundle from PEM file…').";

/** A cert-manager Certificate in the same file, as "<namespace>/<name>", for CA injection. */
function certManagerCertificate(ctx: RuleContext): string | undefined {
  for (const d of ctx.docs) {
    if (d.get('kind') === 'Certificate' && String(d.get('apiVersion') ?? '').startsWith('cert-manager.io/')) {
      return `${d.getIn(['metadata', 'namespace']) ?? 'kube-system'}/${d.getIn(['metadata', 'name'])}`;
    }
  }
  return undefined;
}

/** The API server does not verify metrics-server when its APIService skips TLS verification. */
export const apiserviceInsecure: Rule = {
  id: 'apiservice-insecure',
  liveCluster: 'apply',
  severity: 'warning',
  summary:
    'The metrics APIService has insecureSkipTLSVerify: true: the API server does not verify metrics-server.',
  check(ctx) {
    if (ctx.kind !== 'apiservice' || ctx.doc.getIn(['metadata', 'name']) !== METRICS) return [];
    const spec = ctx.doc.getIn(['spec'], true);
    if (!isMap(spec)) return [];
    const skip = (spec as YAMLMap).get('insecureSkipTLSVerify', true);
    if (!isScalar(skip) || skip.value !== true || (spec as YAMLMap).get('caBundle')) return [];
    const fixes: Fix[] = [];
    const caBundle = ctx.options.apiserviceCaPem
      ? addMapEntry(
          ctx.text,
          spec as YAMLMap,
          'caBundle',
          Buffer.from(ctx.options.apiserviceCaPem).toString('base64'),
          ctx.eol,
        )
      : undefined;
    if (caBundle)
      fixes.push({
        title: 'Verify metrics-server with the given CA (spec.caBundle, insecureSkipTLSVerify: false)',
        edits: [replaceScalar(skip, 'false'), caBundle],
      });
    const certificate = certManagerCertificate(ctx);
    const meta = ctx.doc.getIn(['metadata'], true);
    if (certificate && isMap(meta)) {
      const annotations = (meta as YAMLMap).get('annotations', true);
      const annotate = isMap(annotations)
        ? addMapEntry(
            ctx.text,
            annotations as YAMLMap,
            'cert-manager.io/inject-ca-from',
            certificate,
            ctx.eol,
          )
        : addMapEntry(
            ctx.text,
            meta as YAMLMap,
            'annotations',
            `{cert-manager.io/inject-ca-from: ${certificate}}`,
            ctx.eol,
          );
      if (annotate)
        fixes.push({
          title: `Let cert-manager inject the CA of ${certificate} and verify with it`,
          edits: [replaceScalar(skip, 'false'), annotate],
        });
    }
    const [start, end] = skip.range ?? [0, 0];
    return [
      {
        ruleId: 'apiservice-insecure',
        severity: 'warning',
        message: `The API server does not verify metrics-server (insecureSkipTLSVerify: true on ${METRICS}): serve metrics-server with a certificate from a CA, put that CA in spec.caBundle (or let cert-manager inject it) and set insecureSkipTLSVerify: false.${ctx.options.apiserviceCaPem ? '' : NAME_THE_CA}`,
        range: textRange(ctx.lineCounter, start, end),
        fixes,
      },
    ];
  },
};
