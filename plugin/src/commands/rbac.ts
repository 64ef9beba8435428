import { Flags } from '@oclif/core';
import { stringify } from 'yaml';
import { BaseCommand } from '../base-command.ts';
import { type RbacSubject, rbacObjects } from '../rbac.ts';
import { UserError } from '../user-error.ts';

export default class Rbac extends BaseCommand {
  static override summary =
    'Print the minimal ClusterRole and ClusterRoleBinding that approve-serving needs.';
  static override description =
    'Read CSRs and Nodes (get, list, watch), update certificatesigningrequests/approval, and approve for the kubernetes.io/kubelet-serving signer only. Nothing is sent to the cluster: pipe it to kubectl apply.';
  static override examples = [
    {
      description: 'Let user alice approve kubelet serving certificates:',
      command: 'kubectl certs rbac --user alice | kubectl apply -f -',
    },
    {
      description: 'For an in-cluster approver run Deployment, with its Lease in kube-system:',
      command:
        'kubectl certs rbac --serviceaccount kube-system:kubectl-certs-approver --lease-namespace kube-system',
    },
  ];
  static override flags = {
    user: Flags.string({ description: 'Bind to this user (repeatable).', multiple: true }),
    group: Flags.string({ description: 'Bind to this group (repeatable).', multiple: true }),
    serviceaccount: Flags.string({ description: 'Bind to NAMESPACE:NAME (repeatable).', multiple: true }),
    name: Flags.string({
      description: 'Name of the ClusterRole and ClusterRoleBinding.',
      default: 'kubectl-certs-approver',
    }),
    'lease-namespace': Flags.string({
      description:
        'Also grant what approver run needs: its Lease in this namespace and Events on CSRs (in default), with Roles of the same name.',
    }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Rbac);
    const g = this.globals(flags);
    const subjects: RbacSubject[] = [
      ...(flags.user ?? []).map((name) => ({
        kind: 'User' as const,
        name,
        apiGroup: 'rbac.authorization.k8s.io',
      })),
      ...(flags.group ?? []).map((name) => ({
        kind: 'Group' as const,
        name,
        apiGroup: 'rbac.authorization.k8s.io',
      })),
      ...(flags.serviceaccount ?? []).map(serviceAccount),
    ];
    if (subjects.length === 0)
      throw new UserError(
        'say who may approve: --user NAME, --group NAME or --serviceaccount NAMESPACE:NAME',
        2,
      );
    const objects = rbacObjects(flags.name, subjects, flags['lease-namespace']);
    if (g.output === 'json')
      this.log(JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }, null, 2));
    else this.log(objects.map((o) => stringify(o).trimEnd()).join('\n---\n'));
  }
}

function serviceAccount(ref: string): RbacSubject {
  const [namespace, name, ...rest] = ref.split(':');
  if (!namespace || !name || rest.length)
    throw new UserError(`--serviceaccount "${ref}" must be NAMESPACE:NAME`, 2);
  return { kind: 'ServiceAccount', name, namespace };
}
