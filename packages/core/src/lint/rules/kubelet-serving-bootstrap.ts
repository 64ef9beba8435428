import { isMap, isScalar, type Node, type YAMLMap } from 'yaml';
import { textRange } from '../source-text.ts';
import type { Finding, Rule, RuleContext } from '../types.ts';
import { addMapEntry, removeMapEntry, replaceScalar } from '../yaml-edits.ts';

const ID = 'kubelet-serving-bootstrap';

function finding(ctx: RuleContext, node: Node, message: string, fixes: Finding['fixes']): Finding {
  const [start, end] = node.range ?? [0, 0];
  return { ruleId: ID, severity: 'warning', message, range: textRange(ctx.lineCounter, start, end), fixes };
}

/**
 * A KubeletConfiguration (alone or in a kubeadm multi-document config) must have kubelets request
 * CA-signed serving certificates (serverTLSBootstrap: true) and keep rotating them.
 */
export const kubeletServingBootstrap: Rule = {
  id: ID,
  severity: 'warning',
  summary:
    'KubeletConfiguration without serverTLSBootstrap: true (or with rotateCertificates: false): kubelets serve self-signed certificates.',
  check(ctx) {
    if (ctx.kind !== 'kubelet-configuration' || !isMap(ctx.doc.contents)) return [];
    const map = ctx.doc.contents as YAMLMap;
    const out: Finding[] = [];
    const bootstrap = map.get('serverTLSBootstrap', true);
    const kindKey = map.items.find((p) => isScalar(p.key) && p.key.value === 'kind')?.key as Node;
    if (!isScalar(bootstrap) || bootstrap.value !== true) {
      const edit = isScalar(bootstrap)
        ? replaceScalar(bootstrap, 'true')
        : addMapEntry(ctx.text, map, 'serverTLSBootstrap', 'true', ctx.eol);
      out.push(
        finding(
          ctx,
          isScalar(bootstrap) ? bootstrap : kindKey,
          'kubelets serve self-signed certificates that clients such as metrics-server cannot verify: set serverTLSBootstrap: true, then approve their serving CSRs (kubectl certs approve-serving).',
          edit ? [{ title: 'Set serverTLSBootstrap: true', edits: [edit] }] : [],
        ),
      );
    }
    const rotate = map.get('rotateCertificates', true);
    if (isScalar(rotate) && rotate.value === false) {
      out.push(
        finding(
          ctx,
          rotate,
          'rotateCertificates: false: kubelet certificates will expire instead of being renewed.',
          [{ title: 'Set rotateCertificates: true', edits: [replaceScalar(rotate, 'true')] }],
        ),
      );
    }
    if (isScalar(bootstrap) && bootstrap.value === true) {
      for (const key of ['tlsCertFile', 'tlsPrivateKeyFile']) {
        const v = map.get(key, true);
        const edit = removeMapEntry(ctx.text, map, key);
        if (isScalar(v))
          out.push(
            finding(
              ctx,
              v,
              `${key} is set together with serverTLSBootstrap: the kubelet serves this file instead of the certificate it requests.`,
              edit ? [{ title: `Remove ${key}`, edits: [edit] }] : [],
            ),
          );
      }
    }
    return out;
  },
};
