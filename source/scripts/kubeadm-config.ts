// The kubeadm layout's configuration files: what `kubeadm init` and `kubeadm join` read on each
// node, with every name and address matching the certificates kubepki made (kubeadm checks a
// pre-made certificate's SANs against exactly these fields on join). They hold the bootstrap
// token, made here at generation time: secrets, 0600.
import {createHash, randomBytes, X509Certificate} from 'node:crypto';
import {yamlText} from './yaml-text.js';
import type {KubeadmNodeConfig, Plan} from '../plan/types.js';
import type {RenderedFile} from './units.js';

const TOKEN_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** A kubeadm bootstrap token: [a-z0-9]{6}.[a-z0-9]{16}, from a CSPRNG without modulo bias. */
export function bootstrapToken(): string {
  const pick = (n: number) => {
    let out = '';
    while (out.length < n) {
      for (const byte of randomBytes(n * 2)) {
        if (byte < 252 && out.length < n) out += TOKEN_ALPHABET[byte % 36];
      }
    }
    return out;
  };
  return `${pick(6)}.${pick(16)}`;
}

/** What `kubeadm join --discovery-token-ca-cert-hash` expects: sha256 of the CA's SubjectPublicKeyInfo. */
export function caCertHash(caPem: string): string {
  const spki = new X509Certificate(caPem).publicKey.export({type: 'spki', format: 'der'});
  return `sha256:${createHash('sha256').update(spki).digest('hex')}`;
}

const hostPort = (host: string, port: number) => `${host.includes(':') ? `[${host}]` : host}:${port}`;

const ENCRYPTION: Record<string, string> = {
  'rsa-2048': 'RSA-2048', 'rsa-3072': 'RSA-3072', 'rsa-4096': 'RSA-4096', 'ecdsa-p256': 'ECDSA-P256', 'ecdsa-p384': 'ECDSA-P384',
};

/** v1beta4 writes extra arguments as a list of {name, value}; v1beta3 as a map. */
function extraArgs(plan: Plan, args: [string, string][]) {
  return plan.kubeadm!.apiVersion.endsWith('v1beta3') ? Object.fromEntries(args) : args.map(([name, value]) => ({name, value}));
}

export interface KubeadmSecrets {
  token: string;
  caPem: string;
}

export function clusterConfiguration(plan: Plan) {
  const k = plan.kubeadm!;
  const apiserver = plan.certificates.find(c => c.id === 'apiserver')!;
  const etcdClient = plan.certificates.find(c => c.id === 'apiserver-etcd-client')!;
  const etcdServers = plan.certificates.filter(c => c.id === 'etcd-server').map(c => plan.nodes.find(n => n.name === c.node)!);
  const etcdCa = plan.authorities.find(a => a.id === etcdClient.signer)!;
  return {
    apiVersion: k.apiVersion,
    kind: 'ClusterConfiguration',
    kubernetesVersion: plan.spec.kubernetesVersion,
    clusterName: plan.cluster,
    controlPlaneEndpoint: hostPort(plan.endpoint.host, plan.endpoint.port),
    certificatesDir: '/etc/kubernetes/pki',
    networking: {serviceSubnet: plan.spec.network.serviceCIDR, dnsDomain: plan.spec.network.clusterDomain},
    // Every name the pre-made certificate carries, so kubeadm's own SAN checks agree with it.
    apiServer: {
      certSANs: [...apiserver.dnsNames, ...apiserver.ipAddresses],
      // kubepki signs every kubelet's serving certificate with the cluster CA, so the apiserver can
      // verify kubelets instead of trusting any certificate they present (kubeadm leaves this off).
      extraArgs: extraArgs(plan, [['kubelet-certificate-authority', `/etc/kubernetes/pki/${plan.authorities.find(a => a.id === 'ca')!.cert.replace(/^pki\//, '')}`]]),
    },
    ...(k.apiVersion.endsWith('v1beta4') ? {encryptionAlgorithm: ENCRYPTION[plan.keyType]} : {}),
    etcd: k.etcd === 'stacked'
      ? {local: {dataDir: '/var/lib/etcd'}}
      : {external: {
        endpoints: etcdServers.map(n => `https://${hostPort(n.ip, 2379)}`),
        caFile: etcdCa.certInstalls.find(i => i.path.startsWith('/etc/kubernetes/pki/'))?.path ?? '/etc/kubernetes/pki/etcd/ca.crt',
        certFile: etcdClient.certInstalls[0]!.path,
        keyFile: etcdClient.keyInstalls[0]!.path,
      }},
  };
}

function nodeConfig(plan: Plan, config: KubeadmNodeConfig, secrets: KubeadmSecrets): object[] {
  const k = plan.kubeadm!;
  const node = plan.nodes.find(n => n.name === config.node)!;
  const localAPIEndpoint = {advertiseAddress: node.ip, bindPort: plan.spec.apiServer.port};
  const nodeRegistration = {name: node.name};
  const discovery = {
    bootstrapToken: {
      token: secrets.token,
      apiServerEndpoint: hostPort(plan.endpoint.host, plan.endpoint.port),
      caCertHashes: [caCertHash(secrets.caPem)],
    },
  };
  switch (config.kind) {
    case 'init': return [{
      apiVersion: k.apiVersion,
      kind: 'InitConfiguration',
      bootstrapTokens: [{
        token: secrets.token,
        description: 'made by kubepki for the nodes of this cluster to join',
        ttl: '24h0m0s',
        usages: ['signing', 'authentication'],
        groups: ['system:bootstrappers:kubeadm:default-node-token'],
      }],
      localAPIEndpoint,
      nodeRegistration,
    }, clusterConfiguration(plan)];
    case 'join-control-plane': return [{apiVersion: k.apiVersion, kind: 'JoinConfiguration', discovery, nodeRegistration, controlPlane: {localAPIEndpoint}}];
    case 'join-worker': return [{apiVersion: k.apiVersion, kind: 'JoinConfiguration', discovery, nodeRegistration}];
    case 'etcd': {
      // kubeadm's "High Availability etcd cluster with kubeadm": each etcd host runs
      // `kubeadm init phase etcd local` with the whole member list.
      const members = plan.certificates.filter(c => c.id === 'etcd-server').map(c => plan.nodes.find(n => n.name === c.node)!);
      return [{apiVersion: k.apiVersion, kind: 'InitConfiguration', nodeRegistration, localAPIEndpoint: {advertiseAddress: node.ip}}, {
        apiVersion: k.apiVersion,
        kind: 'ClusterConfiguration',
        kubernetesVersion: plan.spec.kubernetesVersion,
        clusterName: plan.cluster,
        etcd: {local: {
          dataDir: '/var/lib/etcd',
          extraArgs: extraArgs(plan, [
            ['initial-cluster', members.map(m => `${m.name}=https://${hostPort(m.ip, 2380)}`).join(',')],
            ['initial-cluster-state', 'new'],
            ['name', node.name],
            ['listen-peer-urls', `https://${hostPort(node.ip, 2380)}`],
            ['listen-client-urls', `https://${hostPort(node.ip, 2379)},https://127.0.0.1:2379`],
            ['advertise-client-urls', `https://${hostPort(node.ip, 2379)}`],
            ['initial-advertise-peer-urls', `https://${hostPort(node.ip, 2380)}`],
          ]),
        }},
      }];
    }
  }
}

/** The bootstrap token file and every node's kubeadm configuration. */
export function renderKubeadmFiles(plan: Plan, secrets: KubeadmSecrets): RenderedFile[] {
  if (!plan.kubeadm) return [];
  return [
    {path: plan.kubeadm.tokenFile, content: `${secrets.token}\n`, secret: true},
    ...plan.kubeadm.configs.map(config => ({
      path: config.file,
      content: `# Written by kubepki for ${config.node} (${config.kind}).\n${nodeConfig(plan, config, secrets).map(yamlText).join('---\n')}`,
      secret: true,
    })),
  ];
}

/** The commands a user runs, node by node, in order (printed by generate and written to kubeadm-steps.sh). */
export function kubeadmSteps(plan: Plan, secrets: KubeadmSecrets): {node: string; lines: string[]}[] {
  if (!plan.kubeadm) return [];
  const endpoint = hostPort(plan.endpoint.host, plan.endpoint.port);
  const hash = caCertHash(secrets.caPem);
  const external = plan.kubeadm.flow === 'external-ca';
  return plan.kubeadm.configs.map(c => {
    switch (c.kind) {
      case 'etcd': return {node: c.node, lines: [
        `kubeadm init phase etcd local --config ${c.target}   # then start the kubelet, which runs the static pod`,
      ]};
      case 'init': return {node: c.node, lines: [`kubeadm init --config ${c.target}`]};
      case 'join-control-plane': return {node: c.node, lines: external
        ? [
          `kubeadm join phase preflight --config ${c.target}`,
          'install -m 0600 /etc/kubernetes/kubepki/kubelet.conf /etc/kubernetes/kubelet.conf   # signed by kubepki: no CA key in the cluster',
          `kubeadm join --config ${c.target} --skip-phases=preflight`,
        ]
        : [`kubeadm join --config ${c.target}   # a control-plane join: its token and --discovery-token-ca-cert-hash ${hash} are in the file`]};
      case 'join-worker': return {node: c.node, lines: external
        ? [
          `kubeadm join phase preflight --config ${c.target}`,
          'install -m 0600 /etc/kubernetes/kubepki/kubelet.conf /etc/kubernetes/kubelet.conf   # signed by kubepki: no CA key in the cluster',
          `kubeadm join --config ${c.target} --skip-phases=preflight`,
        ]
        : [`kubeadm join --config ${c.target}   # = kubeadm join ${endpoint} --token TOKEN --discovery-token-ca-cert-hash ${hash} (TOKEN: kubeadm/bootstrap-token in the output directory)`]};
    }
  });
}

/**
 * kubeadm-steps.sh: the same commands, to read or run node by node. With no argument it prints
 * every node's steps in order; `--run NODE` runs one node's steps there (it is meant to be copied
 * to that node with its bundle, or its commands pasted).
 */
export function renderKubeadmStepsScript(steps: {node: string; lines: string[]}[]): string {
  const q = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;
  const cases = steps.map(s => `  ${s.node}) steps=(${s.lines.map(l => q(l.replace(/\s+#.*$/, ''))).join(' ')}) ;;`).join('\n');
  return `#!/usr/bin/env bash
# Generated by kubepki: the kubeadm commands each node runs, in this order, after distribute.sh.
#   bash kubeadm-steps.sh              print every node's steps
#   bash kubeadm-steps.sh NODE         print one node's steps
#   bash kubeadm-steps.sh --run NODE   run them (on that node, as root)
set -euo pipefail
order=(${steps.map(s => s.node).join(' ')})
run=0
if [ "\${1:-}" = "--run" ]; then run=1; shift; fi
print_node() {
  local steps=()
  case "$1" in
${cases}
    *) echo "kubeadm-steps.sh: no node named $1 (nodes: \${order[*]})" >&2; exit 2 ;;
  esac
  echo "## $1"
  local step
  for step in "\${steps[@]}"; do
    echo "$step"
    if [ "$run" = 1 ]; then bash -c "$step"; fi
  done
}
if [ $# -eq 0 ]; then
  [ "$run" = 1 ] && { echo "kubeadm-steps.sh: --run needs a NODE" >&2; exit 2; }
  for node in "\${order[@]}"; do print_node "$node"; done
else
  for node in "$@"; do print_node "$node"; done
fi
`;
}
