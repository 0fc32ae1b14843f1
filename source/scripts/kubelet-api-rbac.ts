// The RBAC kubeadm's apiserver-kubelet-client relies on from v1.33.12, v1.34.8, v1.35.5, v1.36.1
// and v1.37.0 (release-table.ts): its certificate has no group, and the user is bound to the
// built-in ClusterRole system:kubelet-api-admin. kubeadm creates the binding in `init` and
// `upgrade apply`; kubepki writes it too, so a cluster that got the certificate another way (an
// upgrade by joining new control-plane nodes, kubeadm#3310; `kubepki generate --update`) keeps
// `kubectl logs` and `exec` working. Applying it again changes nothing.
import type {Plan} from '../plan/types.js';

export function kubeletApiAdminRbac(plan: Plan): string {
  const client = plan.certificates.find(c => c.id === 'apiserver-kubelet-client')!;
  return `# kube-apiserver calls kubelets (logs, exec, port-forward) as ${client.cn}, with no group
# (kubeadm from v1.33.12, v1.34.8, v1.35.5, v1.36.1, v1.37.0): the kubelets ask the apiserver whether
# that user may, and this binding says yes. kubeadm init and upgrade apply create the same; apply it
# before an apiserver restarts with such a certificate:
#   kubectl apply --kubeconfig /etc/kubernetes/admin.conf -f apiserver-kubelet-client-rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: kubeadm:apiserver-kubelet-client
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: system:kubelet-api-admin
subjects:
  - apiGroup: rbac.authorization.k8s.io
    kind: User
    name: ${client.cn}
`;
}

/** The line that applies it from the machine kubepki runs on, through the init node's admin.conf. */
export function kubeletApiRbacApplyLine(plan: Plan, out: string, quote: (s: string) => string): string | undefined {
  const file = plan.kubeadm?.kubeletApiRbac;
  const admin = plan.kubeconfigs.find(k => k.id === 'admin');
  if (!file || !admin) return undefined;
  const node = plan.nodes.find(n => plan.bundles[n.name]?.some(f => f.source === admin.file));
  const onNode = node && plan.bundles[node.name]!.find(f => f.source === admin.file)!.target;
  if (!node || !onNode) return undefined;
  const {user, sudo} = plan.spec.ssh;
  return `ssh ${user}@${node.name} ${sudo ? 'sudo -n ' : ''}kubectl apply --kubeconfig ${onNode} -f - < ${quote(`${out}/${file}`)}`;
}
