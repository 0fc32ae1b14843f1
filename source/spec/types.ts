// The one description of a cluster. Every front end (wizard, plain prompts, config file)
// produces a ClusterSpec, and only validate() makes one.

export const ROLES = ['control-plane', 'etcd', 'worker'] as const;
export type Role = (typeof ROLES)[number];

export const AUTHORITY_TOPOLOGIES = ['single', 'etcd-separate', 'kubeadm'] as const;
export type AuthorityTopology = (typeof AUTHORITY_TOPOLOGIES)[number];

export const KEY_TYPES = ['rsa-2048', 'rsa-3072', 'rsa-4096', 'ecdsa-p256', 'ecdsa-p384'] as const;
export type KeyType = (typeof KEY_TYPES)[number];
/** How people name each key type (kubeadm's encryptionAlgorithm: RSA-2048 … ECDSA-P384). */
export const KEY_LABELS: Record<KeyType, string> = {
  'rsa-2048': 'RSA-2048', 'rsa-3072': 'RSA-3072', 'rsa-4096': 'RSA-4096', 'ecdsa-p256': 'ECDSA P-256', 'ecdsa-p384': 'ECDSA P-384',
};

export const LAYOUTS = ['kubeadm', 'hard-way'] as const;
export type Layout = (typeof LAYOUTS)[number];

/** How nodes of a kubeadm cluster get their files (kubeadm's two documented ways with pre-made certificates). */
export const KUBEADM_FLOWS = ['shared-ca', 'external-ca'] as const;
export type KubeadmFlow = (typeof KUBEADM_FLOWS)[number];

/** The Kubernetes minor releases whose identities kubepki knows (kubeadm's, per release; newer ones get the newest, with a warning). */
export const KNOWN_MINORS = {first: 28, last: 37} as const;
/** The release the control-plane tests boot (test/k8s/go.mod pins the same one). */
export const DEFAULT_KUBERNETES_VERSION = 'v1.34.4';


export interface NodeSpec {
  name: string;
  ip: string;
  roles: Role[];
}

export interface ClusterSpec {
  apiVersion: 'kubepki/v1';
  kind: 'Cluster';
  name: string;
  kubernetesVersion: string;
  endpoint: {host: string; port: number};
  /** Where each kube-apiserver listens (kubeadm's localAPIEndpoint.bindPort); may differ from the endpoint's. */
  apiServer: {port: number};
  network: {serviceCIDR: string; clusterDomain: string};
  nodes: NodeSpec[];
  pki: {
    authorities: AuthorityTopology;
    key: KeyType;
    validity: {ca: string; certificate: string};
    layout: Layout;
  };
  kubeadm: {flow: KubeadmFlow};
  extraSANs: string[];
  /** How distribute.sh reaches the nodes: as `user`, installing with `sudo -n` when `sudo`. */
  ssh: {user: string; sudo: boolean};
  /** expiry: each node gets a daily check of its certificates' expiry, as node_exporter metrics. */
  monitoring: {expiry: boolean};
}

export const DEFAULTS = {
  name: 'kubernetes',
  port: 6443,
  apiServerPort: 6443,
  kubernetesVersion: DEFAULT_KUBERNETES_VERSION,
  kubeadmFlow: 'shared-ca' as KubeadmFlow,
  serviceCIDR: '10.96.0.0/12',
  clusterDomain: 'cluster.local',
  authorities: 'kubeadm' as AuthorityTopology,
  key: 'rsa-2048' as KeyType,
  caValidity: '87600h',
  certificateValidity: '8760h',
  layout: 'kubeadm' as Layout,
  sshUser: 'root',
  sshSudo: false,
  monitoringExpiry: false,
};

/** What a node runs follows from its roles, and is decided here only. */
export const runsKubelet = (node: Pick<NodeSpec, 'roles'>) =>
  node.roles.includes('control-plane') || node.roles.includes('worker');
export const isControlPlane = (node: Pick<NodeSpec, 'roles'>) => node.roles.includes('control-plane');

/** The nodes that run etcd: those with the etcd role, or the control plane when none has it (stacked etcd). */
export function etcdNodes(spec: Pick<ClusterSpec, 'nodes'>): NodeSpec[] {
  const explicit = spec.nodes.filter(n => n.roles.includes('etcd'));
  return explicit.length > 0 ? explicit : spec.nodes.filter(isControlPlane);
}
