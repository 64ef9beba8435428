import { ROOT_CA_VOLUME } from '../lint/cluster-ca-mount.ts';
import { ROOT_CA_CONFIGMAP } from '../lint/pod-volumes.ts';
import { INSECURE_FLAG } from '../lint/rules/insecure-kubelet-tls.ts';
import { DEFAULT_LINT_OPTIONS } from '../lint/types.ts';

/** The metrics-server chart's defaultArgs (kubernetes-sigs/metrics-server, chart 3.x). */
const CHART_DEFAULT_ARGS = new Set([
  '--cert-dir=/tmp',
  '--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname',
  '--kubelet-use-node-status-port',
  '--metric-resolution=15s',
]);
/** Flags the chart's templates add from other values (containerPort, metrics, tls). */
const CHART_TEMPLATE_FLAGS = [
  '--secure-port',
  '--authorization-always-allow-paths',
  '--tls-cert-file',
  '--tls-private-key-file',
];

const flagName = (arg: string) => arg.split('=')[0] ?? arg;

/**
 * The metrics-server chart values that give the end state of both legs, for a Helm release or the
 * values in a GitOps source (Argo CD, Flux): the container's own args (without the chart's
 * defaultArgs and the flags its templates add) less --kubelet-insecure-tls, plus the cluster CA
 * flag and the kube-root-ca.crt mount that lint's fix adds; the chart's own certificate and CA
 * (tls.type helm, or cert-manager when it is installed), which the chart also writes into the
 * APIService's caBundle; and verification on.
 */
export function metricsServerChartValues(
  containerArgs: string[],
  certManager: boolean,
  mountPath = DEFAULT_LINT_OPTIONS.kubeletCaMountPath,
): Record<string, unknown> {
  const caFlag = `--kubelet-certificate-authority=${mountPath}/ca.crt`;
  const own = containerArgs.filter(
    (a) =>
      !CHART_DEFAULT_ARGS.has(a) &&
      !CHART_TEMPLATE_FLAGS.includes(flagName(a)) &&
      !INSECURE_FLAG.test(a) &&
      flagName(a) !== '--kubelet-certificate-authority',
  );
  return {
    args: [...own, caFlag],
    extraVolumes: [
      {
        name: ROOT_CA_VOLUME,
        configMap: { name: ROOT_CA_CONFIGMAP, items: [{ key: 'ca.crt', path: 'ca.crt' }] },
      },
    ],
    extraVolumeMounts: [{ name: ROOT_CA_VOLUME, mountPath, readOnly: true }],
    tls: { type: certManager ? 'cert-manager' : 'helm' },
    apiService: { insecureSkipTLSVerify: false },
  };
}
