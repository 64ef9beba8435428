import type { PemKeyPair } from './serving-ca.ts';

/**
 * The objects of the APIService leg, one definition for `secure metrics-server --apply`, the
 * approver's renewal, check-expiration and deploy/: the CA Secret (in the approver's namespace, its
 * key readable by the approver only), metrics-server's serving Secret, the Deployment's TLS edit,
 * the APIService's caBundle, and the cert-manager objects used instead when cert-manager is there.
 */
export const CA_SECRET_NAME = 'kubectl-certs-metrics-server-ca';
/** In the CA Secret during a rotation: the previous CA's certificate (its key is no longer needed). */
export const PREVIOUS_CA_KEY = 'previous-ca.crt';
/** On the CA Secret: when the current CA joined the caBundle beside the previous one (ISO 8601). */
export const ROTATED_AT_ANNOTATION = 'kubectl-certs.io/ca-rotated-at';
/** On the CA Secret: the serving Secret (namespace/name) and the APIService it is for. */
export const SERVING_SECRET_ANNOTATION = 'kubectl-certs.io/serving-secret';
export const APISERVICE_ANNOTATION = 'kubectl-certs.io/apiservice';
/** The label of both Secrets, so that check-expiration and people find them. */
export const APISERVICE_LEG_LABELS = {
  'app.kubernetes.io/managed-by': 'kubectl-certs',
  'app.kubernetes.io/component': 'metrics-server-tls',
};
/** Where metrics-server reads its serving certificate. */
export const SERVING_TLS_VOLUME = 'kubectl-certs-tls';
export const SERVING_TLS_MOUNT = '/etc/kubernetes/metrics-server-tls';
export const CERT_MANAGER_INJECT_ANNOTATION = 'cert-manager.io/inject-ca-from';

export interface MetricsServerRef {
  namespace: string;
  /** The Deployment's name; the serving Secret is <name>-tls. */
  name: string;
  /** The container that serves (metrics-server's, or the Deployment's first). */
  container: string;
}

export const servingSecretName = (ms: Pick<MetricsServerRef, 'name'>) => `${ms.name}-tls`;

/** The PEM bundle of several CA certificates, each ending in a line break. */
export const pemBundle = (certs: readonly string[]) =>
  certs.map((c) => (c.endsWith('\n') ? c : `${c}\n`)).join('');

const b64 = (text: string) => Buffer.from(text).toString('base64');

export interface CaSecretContent {
  ca: PemKeyPair;
  previousCaCert?: string | undefined;
  rotatedAt?: Date | undefined;
  /** The serving Secret this CA signs for, and the APIService it goes into. */
  serving: { namespace: string; name: string };
  apiService: string;
}

/** The CA Secret (kubernetes.io/tls), in the approver's namespace. */
export function caSecret(namespace: string, c: CaSecretContent): object {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: CA_SECRET_NAME,
      namespace,
      labels: APISERVICE_LEG_LABELS,
      annotations: {
        [SERVING_SECRET_ANNOTATION]: `${c.serving.namespace}/${c.serving.name}`,
        [APISERVICE_ANNOTATION]: c.apiService,
        ...(c.rotatedAt ? { [ROTATED_AT_ANNOTATION]: c.rotatedAt.toISOString() } : {}),
      },
    },
    type: 'kubernetes.io/tls',
    data: {
      'tls.crt': b64(c.ca.cert),
      'tls.key': b64(c.ca.key),
      ...(c.previousCaCert ? { [PREVIOUS_CA_KEY]: b64(c.previousCaCert) } : {}),
    },
  };
}

/** Only the approver's service account may read and update the CA Secret (by name). */
export function caSecretRbac(namespace: string, approver: { namespace: string; name: string }): object[] {
  return secretRbac(`${approver.name}-metrics-server-ca`, namespace, CA_SECRET_NAME, approver);
}

/** The approver's right to renew the serving Secret, in metrics-server's namespace (by name). */
export function servingSecretRbac(
  ms: Pick<MetricsServerRef, 'namespace' | 'name'>,
  approver: { namespace: string; name: string },
): object[] {
  return secretRbac(`${approver.name}-metrics-server-tls`, ms.namespace, servingSecretName(ms), approver);
}

/** The approver's right to set the caBundle of that one APIService on CA rotation. */
export function apiServiceRbac(apiService: string, approver: { namespace: string; name: string }): object[] {
  const name = `${approver.name}-metrics-apiservice`;
  return [
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name, labels: APISERVICE_LEG_LABELS },
      rules: [
        {
          apiGroups: ['apiregistration.k8s.io'],
          resources: ['apiservices'],
          resourceNames: [apiService],
          verbs: ['get', 'patch'],
        },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name, labels: APISERVICE_LEG_LABELS },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
      subjects: [{ kind: 'ServiceAccount', name: approver.name, namespace: approver.namespace }],
    },
  ];
}

function secretRbac(
  name: string,
  namespace: string,
  secret: string,
  approver: { namespace: string; name: string },
): object[] {
  return [
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name, namespace, labels: APISERVICE_LEG_LABELS },
      // get to read it, patch for server-side apply, update for a replace.
      rules: [
        {
          apiGroups: [''],
          resources: ['secrets'],
          resourceNames: [secret],
          verbs: ['get', 'update', 'patch'],
        },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name, namespace, labels: APISERVICE_LEG_LABELS },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ kind: 'ServiceAccount', name: approver.name, namespace: approver.namespace }],
    },
  ];
}

/**
 * metrics-server's serving Secret (named by servingSecretName, or as the CA Secret's annotation
 * says): the certificate, its key, and the CA that issued it (ca.crt, as cert-manager writes it).
 */
export function servingSecret(
  secret: { namespace: string; name: string },
  serving: PemKeyPair,
  caPem: string,
  apiService: string,
): object {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: secret.name,
      namespace: secret.namespace,
      labels: APISERVICE_LEG_LABELS,
      annotations: { [APISERVICE_ANNOTATION]: apiService },
    },
    type: 'kubernetes.io/tls',
    data: { 'tls.crt': b64(serving.cert), 'tls.key': b64(serving.key), 'ca.crt': b64(caPem) },
  };
}

const TLS_FLAGS = {
  '--tls-cert-file': `${SERVING_TLS_MOUNT}/tls.crt`,
  '--tls-private-key-file': `${SERVING_TLS_MOUNT}/tls.key`,
};

/** The container's args with the two TLS flags pointing at the mounted Secret (any old values replaced). */
export function servingArgs(args: readonly string[]): string[] {
  const ours = Object.keys(TLS_FLAGS);
  const kept: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (ours.includes(a))
      i++; // the "--flag value" spelling: its value goes too
    else if (!ours.some((f) => a.startsWith(`${f}=`))) kept.push(a);
  }
  return [...kept, ...Object.entries(TLS_FLAGS).map(([f, v]) => `${f}=${v}`)];
}

/**
 * The server-side apply object of the Deployment edit: the Secret as a volume, mounted read-only,
 * and the flags. args is an atomic list, so the whole list is sent (the current one, edited).
 */
export function deploymentTlsEdit(ms: MetricsServerRef, currentArgs: readonly string[]): object {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: ms.name, namespace: ms.namespace },
    spec: {
      template: {
        spec: {
          containers: [
            {
              name: ms.container,
              args: servingArgs(currentArgs),
              volumeMounts: [{ name: SERVING_TLS_VOLUME, mountPath: SERVING_TLS_MOUNT, readOnly: true }],
            },
          ],
          volumes: [{ name: SERVING_TLS_VOLUME, secret: { secretName: servingSecretName(ms) } }],
        },
      },
    },
  };
}

/** The APIService verifying metrics-server with these CAs. */
export function apiServiceTlsEdit(name: string, caBundlePem: string): object {
  return {
    apiVersion: 'apiregistration.k8s.io/v1',
    kind: 'APIService',
    metadata: { name },
    spec: { caBundle: b64(caBundlePem), insecureSkipTLSVerify: false },
  };
}

/**
 * With cert-manager: a self-signed Issuer makes the CA (a Certificate with isCA), a CA Issuer signs
 * the serving Certificate into the same Secret name, and the cainjector writes that CA into the
 * APIService's caBundle (the annotation). cert-manager renews both itself.
 */
export function certManagerObjects(
  ms: Pick<MetricsServerRef, 'namespace' | 'name'>,
  servingNames: readonly string[],
  caName: string,
): object[] {
  const selfSigned = `${ms.name}-selfsigned`;
  const caSecretName = `${ms.name}-ca`;
  const issuer = (name: string, spec: object) => ({
    apiVersion: 'cert-manager.io/v1',
    kind: 'Issuer',
    metadata: { name, namespace: ms.namespace, labels: APISERVICE_LEG_LABELS },
    spec,
  });
  const certificate = (name: string, spec: object) => ({
    apiVersion: 'cert-manager.io/v1',
    kind: 'Certificate',
    metadata: { name, namespace: ms.namespace, labels: APISERVICE_LEG_LABELS },
    spec,
  });
  return [
    issuer(selfSigned, { selfSigned: {} }),
    certificate(caSecretName, {
      isCA: true,
      commonName: caName,
      secretName: caSecretName,
      duration: '87600h',
      privateKey: { algorithm: 'ECDSA', size: 256 },
      issuerRef: { name: selfSigned, kind: 'Issuer' },
    }),
    issuer(caSecretName, { ca: { secretName: caSecretName } }),
    certificate(servingSecretName(ms), {
      secretName: servingSecretName(ms),
      commonName: servingNames[0],
      dnsNames: [...servingNames],
      duration: '8760h',
      renewBefore: '2920h',
      usages: ['server auth', 'digital signature'],
      privateKey: { algorithm: 'ECDSA', size: 256 },
      issuerRef: { name: caSecretName, kind: 'Issuer' },
    }),
  ];
}

/** The APIService with the cainjector annotation (it fills caBundle) and verification on. */
export function apiServiceCertManagerEdit(
  name: string,
  ms: Pick<MetricsServerRef, 'namespace' | 'name'>,
): object {
  return {
    apiVersion: 'apiregistration.k8s.io/v1',
    kind: 'APIService',
    metadata: {
      name,
      annotations: { [CERT_MANAGER_INJECT_ANNOTATION]: `${ms.namespace}/${servingSecretName(ms)}` },
    },
    spec: { insecureSkipTLSVerify: false },
  };
}
