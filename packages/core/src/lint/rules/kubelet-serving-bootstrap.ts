import { isMap, isScalar, type Node, type Scalar, type YAMLMap } from 'yaml';
import { textRange } from '../source-text.ts';
import type { Finding, Fix, Rule, RuleContext } from '../types.ts';
import { addMapEntry, removeMapEntries, removeMapEntry, replaceScalar } from '../yaml-edits.ts';

const ID = 'kubelet-serving-bootstrap';
/** The static serving certificate and key: with them set the kubelet serves these files. */
const STATIC_FILES = ['tlsCertFile', 'tlsPrivateKeyFile'] as const;
/**
 * Why the fix removes the static files: Go's TLS server uses a configured certificate for every
 * handshake without SNI, and clients that connect by IP (metrics-server, the API server) send none,
 * so they would keep getting the file instead of the certificate the kubelet requests.
 */
const STATIC_WINS =
  'with them set, the kubelet keeps serving those files to clients that connect by IP, such as metrics-server';

function finding(ctx: RuleContext, node: Node, message: string, fixes: Fix[]): Finding {
  const [start, end] = node.range ?? [0, 0];
  return { ruleId: ID, severity: 'warning', message, range: textRange(ctx.lineCounter, start, end), fixes };
}

function staticFiles(map: YAMLMap): { key: string; node: Scalar }[] {
  return STATIC_FILES.flatMap((key) => {
    const node = map.get(key, true);
    return isScalar(node) ? [{ key, node }] : [];
  });
}

/** serverTLSBootstrap is not true: what the kubelets serve instead, and the one fix for it. */
function notBootstrapping(ctx: RuleContext, map: YAMLMap): Finding {
  const bootstrap = map.get('serverTLSBootstrap', true);
  const kindKey = map.items.find((p) => isScalar(p.key) && p.key.value === 'kind')?.key as Node;
  const set = isScalar(bootstrap)
    ? replaceScalar(bootstrap, 'true')
    : addMapEntry(ctx.text, map, 'serverTLSBootstrap', 'true', ctx.eol);
  const files = staticFiles(map);
  const removals = removeMapEntries(
    ctx.text,
    map,
    files.map((f) => f.key),
  );
  const edits = set ? [set, ...removals] : [];
  const complete = set !== undefined && (files.length === 0 || removals.length > 0);
  const at = isScalar(bootstrap) ? bootstrap : kindKey;
  const cert = files.find((f) => f.key === 'tlsCertFile');
  if (files.length === 0)
    return finding(
      ctx,
      at,
      'kubelets serve self-signed certificates that clients such as metrics-server cannot verify: set serverTLSBootstrap: true, then approve their serving CSRs (kubectl certs approve-serving).',
      complete ? [{ title: 'Set serverTLSBootstrap: true', edits }] : [],
    );
  const names = files.map((f) => f.key).join(' and ');
  return finding(
    ctx,
    at,
    `kubelets serve the static certificate ${cert ? `in ${cert.node.value}` : `of ${names}`}, which they never renew; clients such as metrics-server verify it only if a CA they trust signed it for each node's names and addresses. With serverTLSBootstrap: true kubelets request their serving certificates from the cluster CA and rotate them (then approve the CSRs: kubectl certs approve-serving).`,
    complete ? [{ title: `Set serverTLSBootstrap: true and remove ${names} (${STATIC_WINS})`, edits }] : [],
  );
}

/**
 * A KubeletConfiguration (alone or in a kubeadm multi-document config) must have kubelets request
 * CA-signed serving certificates (serverTLSBootstrap: true), serve those rather than static files,
 * and keep rotating them.
 */
export const kubeletServingBootstrap: Rule = {
  id: ID,
  liveCluster: 'apply',
  severity: 'warning',
  summary:
    'KubeletConfiguration without serverTLSBootstrap: true, with static tlsCertFile/tlsPrivateKeyFile, or with rotateCertificates: false: kubelets serve certificates nobody renews or can verify.',
  check(ctx) {
    if (ctx.kind !== 'kubelet-configuration' || !isMap(ctx.doc.contents)) return [];
    const map = ctx.doc.contents as YAMLMap;
    const out: Finding[] = [];
    const bootstrap = map.get('serverTLSBootstrap', true);
    const bootstrapping = isScalar(bootstrap) && bootstrap.value === true;
    if (!bootstrapping) out.push(notBootstrapping(ctx, map));
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
    if (bootstrapping)
      for (const { key, node } of staticFiles(map)) {
        const edit = removeMapEntry(ctx.text, map, key);
        out.push(
          finding(
            ctx,
            node,
            `${key} is set together with serverTLSBootstrap: the kubelet serves this file instead of the certificate it requests to clients that connect by IP, such as metrics-server.`,
            edit ? [{ title: `Remove ${key} (${STATIC_WINS})`, edits: [edit] }] : [],
          ),
        );
      }
    return out;
  },
};
