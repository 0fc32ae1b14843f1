// What starts each component, rendered from the plan: a systemd unit per component and node (as
// The Hard Way writes them, with /usr/local/bin binaries), the kubelet's and kube-proxy's config
// files, and the RBAC that lets kube-apiserver call kubelets.
import yaml from 'js-yaml';
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
After=network-online.target
Wants=network-online.target

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
    ...(c.config ? [{path: c.config.source, content: `# Written by kubepki for ${c.node}.\n${yaml.dump(c.config.fields, {lineWidth: -1})}`, secret: false}] : []),
  ]);
  files.push({path: 'kube-apiserver-to-kubelet.yaml', content: apiserverToKubeletRbac(plan), secret: false});
  return files;
}
