import type {AuthorityTopology, ClusterSpec, KeyType, Layout, NodeSpec} from '../spec/types.js';

export type AuthorityId = 'ca' | 'etcd-ca' | 'front-proxy-ca';
export type Usage = 'serverAuth' | 'clientAuth';
export type CertificateId =
  | 'apiserver' | 'apiserver-kubelet-client' | 'apiserver-etcd-client' | 'front-proxy-client'
  | 'etcd-healthcheck-client' | 'admin' | 'super-admin' | 'kube-controller-manager'
  | 'kube-scheduler' | 'kube-proxy' | 'etcd-server' | 'etcd-peer' | 'kubelet-client' | 'kubelet-server'
  | 'service-accounts';
export type KubeconfigId = 'admin' | 'super-admin' | 'kube-controller-manager' | 'kube-scheduler' | 'kube-proxy' | 'kubelet';

/** What a learner reads about each item: the wizard's detail view and `plan --json` show it. */
export interface Explanation {
  purpose: string;
  presentedBy: string;
  verifiedBy: string;
  readBy: string[];
  names: string;
}

/** Where one file of the master copy lands on one node. */
export interface Install {
  node: string;
  path: string;
}

export interface AuthorityPlan {
  id: AuthorityId;
  cn: string;
  dnsNames: string[];
  validityHours: number;
  cert: string;
  key: string;
  /** The key this file pair has. */
  keyType: KeyType;
  certInstalls: Install[];
  keyInstalls: Install[];
  signs: string[];
  why: Explanation;
}

export interface CertificatePlan {
  id: CertificateId;
  node: string | null;
  /** Stable name: `id`, or `id/node` for a per-node certificate (planRef). */
  ref: string;
  cn: string;
  organizations: string[];
  signer: AuthorityId;
  usages: Usage[];
  dnsNames: string[];
  ipAddresses: string[];
  validityHours: number;
  cert: string;
  key: string;
  /** The key this file pair has (its signer's key decides the signature algorithm). */
  keyType: KeyType;
  certInstalls: Install[];
  keyInstalls: Install[];
  why: Explanation;
}

export interface KubeconfigPlan {
  id: KubeconfigId;
  node: string | null;
  /** Stable name: `id`, or `id/node` for a per-node kubeconfig (planRef). */
  ref: string;
  cluster: string;
  user: string;
  context: string;
  server: string;
  /** The certificate embedded as the client identity, and the authority embedded as trust. */
  certificate: {id: CertificateId; node: string | null; ref: string};
  authority: AuthorityId;
  file: string;
  installs: Install[];
  why: string;
}

export interface ServiceAccountPlan {
  key: string;
  publicKey: string;
  keyType: KeyType;
  keyInstalls: Install[];
  publicKeyInstalls: Install[];
  why: string;
}

/** kubeadm layout: the configuration kubepki writes for each node's kubeadm command. */
export interface KubeadmNodeConfig {
  node: string;
  /** init: `kubeadm init` (first control-plane node); join-*: `kubeadm join`; etcd: `kubeadm init phase etcd local` on an external etcd host. */
  kind: 'init' | 'join-control-plane' | 'join-worker' | 'etcd';
  file: string;
  target: string;
}

export interface KubeadmPlan {
  flow: import('../spec/types.js').KubeadmFlow;
  /** kubeadm.k8s.io/v1beta3 up to v1.30, v1beta4 from v1.31. */
  apiVersion: string;
  /** stacked: etcd runs on the control-plane nodes, managed by kubeadm; external: on its own hosts. */
  etcd: 'stacked' | 'external';
  /** The bootstrap token (a secret, made at generation time) that joining nodes present. */
  tokenFile: string;
  configs: KubeadmNodeConfig[];
  /**
   * Releases whose apiserver-kubelet-client has no group: the ClusterRoleBinding it relies on,
   * as a manifest kubepki writes. kubeadm creates it in `init` and `upgrade apply` only; a cluster
   * upgraded any other way (control-plane nodes replaced by `kubeadm join`, kubeadm#3310) lacks it.
   */
  kubeletApiRbac?: string;
}

/** What starts one component on one node (hard-way layout: a systemd unit, and a config file for kubelet and kube-proxy). */
export interface ComponentPlan {
  node: string;
  component: import('./components.js').Component;
  /** Flags in the order the unit lists them: every file flag names a path this node receives. */
  flags: [string, string][];
  config?: {source: string; target: string; fields: Record<string, unknown>};
  /** The rendered files: master copy (relative to OUT) and where each is installed on the node. */
  files: {source: string; target: string}[];
}

/** One file one component reads on one node: the table restart steps are derived from (plan/restarts.ts). */
export interface ComponentRead {
  node: string;
  component: import('./components.js').Component;
  /** The master copy, relative to OUT. */
  source: string;
  /** Where the node has it. */
  path: string;
  /** The flag or config field that names it (`--tls-cert-file`, `tlsCertFile`), or `unit` / `config` for the rendered unit and config file. */
  via: string;
}

/** One file a node receives: a copy of `source` (relative to OUT) placed at absolute `target`. */
export interface BundleFile {
  source: string;
  target: string;
  /** Where the copy lies in OUT: nodes/<node><target> (bundlePath). */
  path: string;
  secret: boolean;
}

/** monitoring.expiry: each node's check of the certificates it holds, and what runs it daily. */
export interface MonitoringPlan {
  /** Per node: its check (OUT-relative source, install path) and the absolute paths it reads. */
  checks: {node: string; source: string; target: string; certificates: string[]; kubeconfigs: string[]}[];
  service: {source: string; target: string};
  timer: {source: string; target: string};
  /** The PrometheusRule that alerts on the metrics (OUT only, applied to the cluster's Prometheus). */
  rule: string;
}

export interface Plan {
  /** The validated spec this plan was computed from (cluster.yaml is written from it). */
  spec: ClusterSpec;
  cluster: string;
  kubeadm?: KubeadmPlan;
  endpoint: {host: string; port: number; url: string};
  serviceIp: string;
  layout: Layout;
  topology: AuthorityTopology;
  /** The key type of every key made for this plan (spec.pki.key). */
  keyType: KeyType;
  nodes: NodeSpec[];
  sshUser: string;
  authorities: AuthorityPlan[];
  certificates: CertificatePlan[];
  kubeconfigs: KubeconfigPlan[];
  serviceAccount: ServiceAccountPlan;
  components: ComponentPlan[];
  /** Which component reads which file on which node (both layouts). */
  reads: ComponentRead[];
  bundles: Record<string, BundleFile[]>;
  monitoring?: MonitoringPlan;
  warnings: string[];
  /** Keys to generate: one per authority, one per certificate, the service-account key. */
  keyCount: number;
}
