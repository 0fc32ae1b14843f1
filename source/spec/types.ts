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

export interface NodeSpec {
  name: string;
  ip: string;
  roles: Role[];
}

export interface ClusterSpec {
  apiVersion: 'kubepki/v1';
  kind: 'Cluster';
  name: string;
  endpoint: {host: string; port: number};
  network: {serviceCIDR: string; clusterDomain: string};
  nodes: NodeSpec[];
  pki: {
    authorities: AuthorityTopology;
    key: KeyType;
    validity: {ca: string; certificate: string};
    layout: Layout;
  };
  extraSANs: string[];
  ssh: {user: string};
}

export const DEFAULTS = {
  name: 'kubernetes',
  port: 6443,
  serviceCIDR: '10.96.0.0/12',
  clusterDomain: 'cluster.local',
  authorities: 'kubeadm' as AuthorityTopology,
  key: 'rsa-2048' as KeyType,
  caValidity: '87600h',
  certificateValidity: '8760h',
  layout: 'kubeadm' as Layout,
  sshUser: 'root',
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
