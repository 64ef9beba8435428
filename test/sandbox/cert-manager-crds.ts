/**
 * cert-manager's CustomResourceDefinitions as its release (v1.x, cert-manager.crds.yaml) installs
 * them, cut to what a client can see from outside: the same group, names, short names,
 * categories, scope, the one served and stored version v1 with its status subresource and
 * printer columns, and the required fields of a Certificate. The schemas below the top level keep
 * unknown fields (the release spells out every field; this fixture leaves that to the objects).
 * cert-manager's controller cannot run in the sandbox (its image needs a registry); these CRDs make
 * the API server serve cert-manager.io/v1 exactly where a client looks for it.
 */
const LABELS = {
  app: 'cert-manager',
  'app.kubernetes.io/name': 'cert-manager',
  'app.kubernetes.io/instance': 'cert-manager',
};

const open = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };

const readyColumns = [
  { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
  {
    name: 'Status',
    type: 'string',
    priority: 1,
    jsonPath: '.status.conditions[?(@.type=="Ready")].message',
  },
];
const age = {
  name: 'Age',
  type: 'date',
  jsonPath: '.metadata.creationTimestamp',
  description: 'CreationTimestamp is a timestamp representing the server time when this object was created.',
};

function crd(
  names: { kind: string; plural: string; singular: string; shortNames?: string[] },
  scope: 'Namespaced' | 'Cluster',
  spec: object,
  columns: object[],
): object {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${names.plural}.cert-manager.io`, labels: LABELS },
    spec: {
      group: 'cert-manager.io',
      names: { ...names, listKind: `${names.kind}List`, categories: ['cert-manager'] },
      scope,
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: columns,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              required: ['spec'],
              properties: {
                apiVersion: { type: 'string' },
                kind: { type: 'string' },
                metadata: { type: 'object' },
                spec,
                status: open,
              },
            },
          },
        },
      ],
    },
  };
}

export const CERT_MANAGER_CRDS: object[] = [
  crd(
    { kind: 'Certificate', plural: 'certificates', singular: 'certificate', shortNames: ['cert', 'certs'] },
    'Namespaced',
    { ...open, required: ['issuerRef', 'secretName'] },
    [
      ...readyColumns.slice(0, 1),
      { name: 'Secret', type: 'string', jsonPath: '.spec.secretName' },
      { name: 'Issuer', type: 'string', priority: 1, jsonPath: '.spec.issuerRef.name' },
      ...readyColumns.slice(1),
      age,
    ],
  ),
  crd({ kind: 'Issuer', plural: 'issuers', singular: 'issuer' }, 'Namespaced', open, [...readyColumns, age]),
  crd({ kind: 'ClusterIssuer', plural: 'clusterissuers', singular: 'clusterissuer' }, 'Cluster', open, [
    ...readyColumns,
    age,
  ]),
];
