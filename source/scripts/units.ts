// What starts each component, rendered from the plan: a systemd unit per component and node (as
// The Hard Way writes them, with /usr/local/bin binaries), the kubelet's and kube-proxy's config
// files, and the RBAC that lets kube-apiserver call kubelets.
import {yamlText} from './yaml-text.js';
import type {ComponentPlan, Plan} from '../plan/types.js';

export interface RenderedFile {
  path: string;
  content: string;
  secret: boolean;
}

/** The binary each unit starts; The Hard Way installs them all in /usr/local/bin. */
export const binaryPath = (component: string) => `/usr/local/bin/${component}`;

export function renderUnit(c: ComponentPlan): string {
  const lines = [`ExecStart=${binaryPath(c.component)} \\`, ...c.flags.map(([flag, value], i) =>
    `  ${flag}=${value}${i === c.flags.length - 1 ? '' : ' \\'}`)];
  return `# Written by kubepki for ${c.node}: every file flag names a path this node receives.
[Unit]
Description=${c.component}
Documentation=https://kubernetes.io/docs/reference/command-line-tools-reference/
After=network-online.target${c.component === 'kubelet' ? ' containerd.service' : ''}
Wants=network-online.target${c.component === 'kubelet' ? '\nRequires=containerd.service' : ''}

[Service]
${lines.join('\n')}
Restart=on-failure
RestartSec=5

[Install]
WantedBy=multi-user.target
`;
}

/** The flags of a unit as an argument list (what systemd would pass). */
export const unitArguments = (c: ComponentPlan) => c.flags.map(([flag, value]) => `${flag}=${value}`);

/** Parses the ExecStart of a unit kubepki wrote back into the binary and its arguments. */
export function parseUnit(text: string): {binary: string; args: string[]} {
  const exec = /^ExecStart=((?:.*\\\n)*.*)$/m.exec(text);
  if (!exec) throw new Error('no ExecStart in unit');
  const words = exec[1]!.replace(/\\\n/g, ' ').trim().split(/\s+/);
  return {binary: words[0]!, args: words.slice(1)};
}

export function apiserverToKubeletRbac(plan: Plan): string {
  const apiserver = plan.certificates.find(c => c.id === 'apiserver')!;
  return `# kube-apiserver calls kubelets (logs, exec, metrics) with its certificate (CN ${apiserver.cn});
# the kubelets ask the apiserver whether that user may. Apply once:
#   kubectl apply --kubeconfig admin.kubeconfig -f kube-apiserver-to-kubelet.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  annotations:
    rbac.authorization.kubernetes.io/autoupdate: "true"
  labels:
    kubernetes.io/bootstrapping: rbac-defaults
  name: system:kube-apiserver-to-kubelet
rules:
  - apiGroups: [""]
    resources: [nodes/proxy, nodes/stats, nodes/log, nodes/spec, nodes/metrics]
    verbs: ["*"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: system:kube-apiserver
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: system:kube-apiserver-to-kubelet
subjects:
  - apiGroup: rbac.authorization.k8s.io
    kind: User
    name: ${apiserver.cn}
`;
}

/** Every file that starts a component, plus the hard-way RBAC: written to OUT and copied to the bundles. */
export function renderComponentFiles(plan: Plan): RenderedFile[] {
  if (plan.components.length === 0) return [];
  const files: RenderedFile[] = plan.components.flatMap(c => [
    {path: c.files[0]!.source, content: renderUnit(c), secret: false},
    ...(c.config ? [{path: c.config.source, content: `# Written by kubepki for ${c.node}.\n${yamlText(c.config.fields)}`, secret: false}] : []),
  ]);
  files.push({path: 'kube-apiserver-to-kubelet.yaml', content: apiserverToKubeletRbac(plan), secret: false});
  return files;
}

/** Nodes that start the same components: one line of systemctl for all of them. */
export interface StartGroup {
  nodes: string[];
  line: string;
}

/**
 * After distribute.sh, in The Hard Way's order (chapters 7-9): each node reloads systemd and
 * enables and starts its units (a node with a kubelet first needs containerd, runc and the CNI plugins, which
 * are not PKI); once the apiservers answer, the RBAC that lets them call kubelets is applied on
 * the first control-plane node with the admin kubeconfig it received.
 */
export function hardWayStartSteps(plan: Plan, out: string, quote: (s: string) => string): {groups: StartGroup[]; rbac?: string} {
  if (plan.components.length === 0) return {groups: []};
  const groups: StartGroup[] = [];
  for (const node of plan.nodes) {
    // containerd (installed by The Hard Way's chapter 9, not by kubepki) runs the kubelet's pods.
    const units = plan.components.filter(c => c.node === node.name).flatMap(c => (c.component === 'kubelet' ? ['containerd', c.component] : [c.component]));
    if (units.length === 0) continue;
    const as = plan.spec.ssh.sudo ? 'sudo ' : '';
    const line = `${as}systemctl daemon-reload && ${as}systemctl enable --now ${units.join(' ')}`;
    const same = groups.find(g => g.line === line);
    if (same) same.nodes.push(node.name);
    else groups.push({nodes: [node.name], line});
  }
  const server = plan.components.find(c => c.component === 'kube-apiserver')?.node;
  const admin = plan.kubeconfigs.find(k => k.id === 'admin');
  const onServer = server && admin ? plan.bundles[server]?.find(f => f.source === admin.file)?.target : undefined;
  if (!server || !onServer) return {groups};
  const {user, sudo} = plan.spec.ssh;
  return {groups, rbac: `ssh ${user}@${server} ${sudo ? 'sudo -n ' : ''}kubectl apply --kubeconfig ${onServer} -f - < ${quote(`${out}/kube-apiserver-to-kubelet.yaml`)}`};
}

/** `cp1, cp2` or, for many, `worker1 … worker500 (500 nodes)`. */
export const nodeList = (nodes: string[]) => (nodes.length <= 3 ? nodes.join(', ') : `${nodes[0]} … ${nodes.at(-1)} (${nodes.length} nodes)`);
