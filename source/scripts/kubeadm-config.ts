// The kubeadm layout's configuration files: what `kubeadm init` and `kubeadm join` read on each
// node, with every name and address matching the certificates kubepki made (kubeadm checks a
// pre-made certificate's SANs against exactly these fields on join). They hold the bootstrap
// token, made here at generation time: secrets, 0600.
import {createHash, randomBytes, X509Certificate} from 'node:crypto';
import {yamlText} from './yaml-text.js';
import type {KubeadmNodeConfig, Plan} from '../plan/types.js';
import {APISERVER_SHUTDOWN_DELAY_SECONDS} from '../plan/components.js';
import type {RenderedFile} from './units.js';

/** How long a bootstrap token made by kubepki lives: kubeadm's default (apis/bootstraptoken/v1 DefaultTokenDuration, 24h). */
export const BOOTSTRAP_TOKEN_TTL = '24h';

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
  /** The token `kubeadm init` creates (kubeadm/bootstrap-token), which the first joins present. */
  token: string;
  caPem: string;
  /** Nodes that join with a token of their own, made when they were added after day one (the first token has expired by then). */
  joinTokens?: Record<string, string>;
}

const TOKEN_FORM = /^[a-z0-9]{6}\.[a-z0-9]{16}$/;
export const isBootstrapToken = (text: string) => TOKEN_FORM.test(text);

/** The token a join configuration kubepki wrote presents (discovery.bootstrapToken.token). */
export function tokenInConfig(text: string): string | undefined {
  return /^\s+token: ([a-z0-9]{6}\.[a-z0-9]{16})$/m.exec(text)?.[1];
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
      // A graceful shutdown behind the load balancer, as the hard-way unit has it (plan/components.ts):
      // when a restart step moves the static pod's manifest out, /readyz fails at once and the port
      // serves 10 s more, so the balancer drains it first; kubeadm sets neither, and a connection
      // sent in that window was refused (found by test/rotate/zero-downtime-kubeadm.test.ts). Well
      // inside the kubelet's 30 s grace period for the pod.
      extraArgs: extraArgs(plan, [
        ['kubelet-certificate-authority', `/etc/kubernetes/pki/${plan.authorities.find(a => a.id === 'ca')!.cert.replace(/^pki\//, '')}`],
        ['shutdown-delay-duration', `${APISERVER_SHUTDOWN_DELAY_SECONDS}s`],
        ['shutdown-send-retry-after', 'true'],
      ]),
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
      token: secrets.joinTokens?.[config.node] ?? secrets.token,
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
        ttl: `${BOOTSTRAP_TOKEN_TTL}0m0s`,
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
  const init = plan.kubeadm.configs.find(c => c.kind === 'init')?.node;
  const as = plan.spec.ssh.sudo ? 'sudo ' : '';
  return plan.kubeadm.configs.map(c => {
    const own = secrets.joinTokens?.[c.node];
    // A join after day one: its token is made on a running control-plane node first.
    const token = own && own !== secrets.token
      ? [`# first, on ${init ?? 'a control-plane node'} (a running control-plane node): ${as}kubeadm token create ${own} --ttl ${BOOTSTRAP_TOKEN_TTL} --description 'kubepki: join of ${c.node}'`]
      : [];
    const steps = joinSteps(c, own && own !== secrets.token ? `the token of ${c.node}'s configuration` : 'kubeadm/bootstrap-token in the output directory');
    return {node: steps.node, lines: [...token, ...steps.lines]};
  });
  function joinSteps(c: KubeadmNodeConfig, tokenWhere: string): {node: string; lines: string[]} {
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
        : [`kubeadm join --config ${c.target}   # = kubeadm join ${endpoint} --token TOKEN --discovery-token-ca-cert-hash ${hash} (TOKEN: ${tokenWhere})`]};
    }
  }
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
#   bash kubeadm-steps.sh --run NODE   run them, on that node (its hostname is checked; as a user
#                                      other than root, each step runs with sudo -n)
#   --any-host                         with --run: run even where the hostname is not NODE
# A bootstrap token lives ${BOOTSTRAP_TOKEN_TTL} (kubeadm's default): to join a node later, make a new one
# on a running control-plane node: kubeadm token create --ttl ${BOOTSTRAP_TOKEN_TTL}, and put it in the
# node's configuration (kubepki generate --update does this for a node it adds).
set -euo pipefail
order=(${steps.map(s => s.node).join(' ')})
run=0
any_host=0
while [ $# -gt 0 ]; do
  case $1 in
    --run) run=1; shift ;;
    --any-host) any_host=1; shift ;;
    *) break ;;
  esac
done
as=()
if [ "$run" = 1 ] && [ "$(id -u)" != 0 ]; then as=(sudo -n); fi
print_node() {
  local steps=()
  case "$1" in
${cases}
    *) echo "kubeadm-steps.sh: no node named $1 (nodes: \${order[*]})" >&2; exit 2 ;;
  esac
  if [ "$run" = 1 ] && [ "$any_host" = 0 ]; then
    local here
    here=$(hostname)
    case " $here \${here%%.*} " in
      *" $1 "*) ;;
      *) echo "kubeadm-steps.sh: these are $1's steps, and this is $here: run them on $1 (or add --any-host)" >&2; exit 2 ;;
    esac
  fi
  echo "## $1"
  local step
  for step in "\${steps[@]}"; do
    echo "$step"
    if [ "$run" = 1 ]; then "\${as[@]}" bash -c "$step"; fi
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

