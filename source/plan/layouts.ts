// Where each file lives, per layout: kubeadm's names and paths (so `kubeadm init` finds
// pre-made certificates), or Kubernetes The Hard Way's.
import type {Layout} from '../spec/types.js';
import type {CertificateId, KubeconfigId} from './types.js';

/** Which nodes receive a file: by role, or only the node the certificate belongs to. */
export type Audience = 'control-plane' | 'etcd' | 'kubelet' | 'self';

/** The three trust roles a CA certificate plays; the topology decides which authority fills each. */
export type TrustSlot = 'cluster' | 'etcd' | 'front-proxy';

export interface Placement {
  on: Audience;
  /** Absolute path without extension; `.crt` / `.key` are appended. */
  path: string;
}

/** A file kind in one layout: its master-copy name and where nodes install it. */
export interface LayoutFile {
  file: (node: string) => string;
  placements: Placement[];
}

/**
 * Every certificate and kubeconfig kind has an entry in every layout (the compiler checks it):
 * `null` says the layout has no such file (The Hard Way has no super-admin).
 */
export interface LayoutFiles {
  /** The master copy's base name under pki/ for each authority (without extension). */
  authorityFile: Record<'ca' | 'etcd-ca' | 'front-proxy-ca', string>;
  trust: Record<TrustSlot, {cert: Placement[]; key: Placement[]}>;
  certificates: Record<CertificateId, LayoutFile | null>;
  kubeconfigs: Record<KubeconfigId, LayoutFile | null>;
  serviceAccount: {file: string; placements: Placement[]};
}

const P = '/etc/kubernetes/pki';
const K = '/etc/kubernetes';
const fixed = (name: string) => () => name;

const kubeadm: LayoutFiles = {
  authorityFile: {ca: 'ca', 'etcd-ca': 'etcd/ca', 'front-proxy-ca': 'front-proxy-ca'},
  trust: {
    cluster: {cert: [{on: 'control-plane', path: `${P}/ca`}, {on: 'kubelet', path: `${P}/ca`}], key: [{on: 'control-plane', path: `${P}/ca`}]},
    etcd: {cert: [{on: 'control-plane', path: `${P}/etcd/ca`}, {on: 'etcd', path: `${P}/etcd/ca`}], key: [{on: 'control-plane', path: `${P}/etcd/ca`}]},
    'front-proxy': {cert: [{on: 'control-plane', path: `${P}/front-proxy-ca`}], key: [{on: 'control-plane', path: `${P}/front-proxy-ca`}]},
  },
  certificates: {
    apiserver: {file: fixed('apiserver'), placements: [{on: 'control-plane', path: `${P}/apiserver`}]},
    'apiserver-kubelet-client': {file: fixed('apiserver-kubelet-client'), placements: [{on: 'control-plane', path: `${P}/apiserver-kubelet-client`}]},
    'apiserver-etcd-client': {file: fixed('apiserver-etcd-client'), placements: [{on: 'control-plane', path: `${P}/apiserver-etcd-client`}]},
    'front-proxy-client': {file: fixed('front-proxy-client'), placements: [{on: 'control-plane', path: `${P}/front-proxy-client`}]},
    'etcd-healthcheck-client': {file: fixed('etcd/healthcheck-client'), placements: [{on: 'etcd', path: `${P}/etcd/healthcheck-client`}]},
    // Embedded in kubeconfigs only; kubeadm keeps no separate file for these.
    admin: {file: fixed('clients/admin'), placements: []},
    'super-admin': {file: fixed('clients/super-admin'), placements: []},
    'kube-controller-manager': {file: fixed('clients/controller-manager'), placements: []},
    'kube-scheduler': {file: fixed('clients/scheduler'), placements: []},
    'kube-proxy': {file: fixed('clients/kube-proxy'), placements: []},
    'etcd-server': {file: fixed('etcd/server'), placements: [{on: 'self', path: `${P}/etcd/server`}]},
    'etcd-peer': {file: fixed('etcd/peer'), placements: [{on: 'self', path: `${P}/etcd/peer`}]},
    'kubelet-client': {file: fixed('kubelet-client'), placements: []},
    // The kubelet serves with kubelet.crt/kubelet.key from its cert dir when they exist.
    'kubelet-server': {file: fixed('kubelet'), placements: [{on: 'self', path: '/var/lib/kubelet/pki/kubelet'}]},
  },
  kubeconfigs: {
    admin: {file: fixed('admin.conf'), placements: [{on: 'control-plane', path: `${K}/admin.conf`}]},
    'super-admin': {file: fixed('super-admin.conf'), placements: [{on: 'control-plane', path: `${K}/super-admin.conf`}]},
    'kube-controller-manager': {file: fixed('controller-manager.conf'), placements: [{on: 'self', path: `${K}/controller-manager.conf`}]},
    'kube-scheduler': {file: fixed('scheduler.conf'), placements: [{on: 'self', path: `${K}/scheduler.conf`}]},
    'kube-proxy': {file: fixed('kube-proxy.conf'), placements: [{on: 'kubelet', path: '/var/lib/kube-proxy/kubeconfig.conf'}]},
    kubelet: {file: fixed('kubelet.conf'), placements: [{on: 'self', path: `${K}/kubelet.conf`}]},
  },
  serviceAccount: {file: 'sa', placements: [{on: 'control-plane', path: `${P}/sa`}]},
};

const V = '/var/lib/kubernetes';
const E = '/etc/etcd';
const KL = '/var/lib/kubelet';

const hardWay: LayoutFiles = {
  authorityFile: {ca: 'ca', 'etcd-ca': 'etcd-ca', 'front-proxy-ca': 'front-proxy-ca'},
  trust: {
    // kube-controller-manager signs kubelet CSRs with ca.key, so the control plane holds it.
    cluster: {cert: [{on: 'control-plane', path: `${V}/ca`}, {on: 'kubelet', path: `${KL}/ca`}], key: [{on: 'control-plane', path: `${V}/ca`}]},
    etcd: {cert: [{on: 'control-plane', path: `${V}/etcd-ca`}, {on: 'etcd', path: `${E}/ca`}], key: []},
    'front-proxy': {cert: [{on: 'control-plane', path: `${V}/front-proxy-ca`}], key: []},
  },
  certificates: {
    apiserver: {file: fixed('kube-api-server'), placements: [{on: 'control-plane', path: `${V}/kube-api-server`}]},
    'apiserver-kubelet-client': {file: fixed('kube-api-server-kubelet-client'), placements: [{on: 'control-plane', path: `${V}/kube-api-server-kubelet-client`}]},
    'apiserver-etcd-client': {file: fixed('kube-api-server-etcd-client'), placements: [{on: 'control-plane', path: `${V}/kube-api-server-etcd-client`}]},
    'front-proxy-client': {file: fixed('front-proxy-client'), placements: [{on: 'control-plane', path: `${V}/front-proxy-client`}]},
    'etcd-healthcheck-client': {file: fixed('etcd-healthcheck-client'), placements: [{on: 'etcd', path: `${E}/etcd-healthcheck-client`}]},
    admin: {file: fixed('admin'), placements: []},
    'super-admin': null,
    'kube-controller-manager': {file: fixed('kube-controller-manager'), placements: []},
    'kube-scheduler': {file: fixed('kube-scheduler'), placements: []},
    'kube-proxy': {file: fixed('kube-proxy'), placements: []},
    'etcd-server': {file: fixed('etcd-server'), placements: [{on: 'self', path: `${E}/etcd-server`}]},
    'etcd-peer': {file: fixed('etcd-peer'), placements: [{on: 'self', path: `${E}/etcd-peer`}]},
    // The Hard Way names a node's client certificate after the node (node-0.crt).
    'kubelet-client': {file: node => node, placements: []},
    'kubelet-server': {file: fixed('kubelet'), placements: [{on: 'self', path: `${KL}/kubelet`}]},
  },
  kubeconfigs: {
    admin: {file: fixed('admin.kubeconfig'), placements: [{on: 'control-plane', path: `${V}/admin.kubeconfig`}]},
    'super-admin': null,
    'kube-controller-manager': {file: fixed('kube-controller-manager.kubeconfig'), placements: [{on: 'self', path: `${V}/kube-controller-manager.kubeconfig`}]},
    'kube-scheduler': {file: fixed('kube-scheduler.kubeconfig'), placements: [{on: 'self', path: `${V}/kube-scheduler.kubeconfig`}]},
    'kube-proxy': {file: fixed('kube-proxy.kubeconfig'), placements: [{on: 'kubelet', path: '/var/lib/kube-proxy/kubeconfig'}]},
    kubelet: {file: node => `${node}.kubeconfig`, placements: [{on: 'self', path: `${KL}/kubeconfig`}]},
  },
  serviceAccount: {file: 'service-accounts', placements: [{on: 'control-plane', path: `${V}/service-accounts`}]},
};

export const LAYOUT_FILES: Record<Layout, LayoutFiles> = {kubeadm, 'hard-way': hardWay};

/** An example install path per layout, for the wizard's layout step. */
export const layoutExample = (layout: Layout) => `${LAYOUT_FILES[layout].certificates.apiserver!.placements[0]!.path}.crt`;
