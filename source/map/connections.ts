// What the catalog's readers mean on the wire. A certificate's reader names the component that
// loads it and by which flag; this table says which connection that flag is for, and on which
// side. The trust flags are the catalog's TRUST_READERS, named here per service.
import type {Component, Reader} from '../plan/components.js';
import type {TrustSlot} from '../plan/layouts.js';
import type {ServiceId} from './types.js';

export interface Service {
  id: ServiceId;
  /** Shown on the arrow. */
  label: string;
  /** Who serves it: a component kubepki plans, or something outside the plan. */
  server: Component | 'aggregated-api';
  /** How the server checks a client's certificate (a TRUST_READERS flag of that slot). */
  clientCheck: {slot: TrustSlot; reader: Reader};
  /** How a client checks the server's certificate: a flag of the client, or its kubeconfig. */
  serverCheck: {slot: TrustSlot; by: string} | null;
}

export const SERVICES: Record<ServiceId, Service> = {
  'kube-apiserver': {
    id: 'kube-apiserver', label: 'HTTPS API', server: 'kube-apiserver',
    clientCheck: {slot: 'cluster', reader: {component: 'kube-apiserver', flag: '--client-ca-file', part: 'cert'}},
    serverCheck: {slot: 'cluster', by: 'kubeconfig certificate-authority-data'},
  },
  kubelet: {
    id: 'kubelet', label: 'kubelet API (logs, exec)', server: 'kubelet',
    clientCheck: {slot: 'cluster', reader: {component: 'kubelet', flag: 'authentication.x509.clientCAFile', part: 'cert'}},
    serverCheck: {slot: 'cluster', by: 'kube-apiserver --kubelet-certificate-authority'},
  },
  etcd: {
    id: 'etcd', label: 'etcd client', server: 'etcd',
    clientCheck: {slot: 'etcd', reader: {component: 'etcd', flag: '--trusted-ca-file', part: 'cert'}},
    serverCheck: {slot: 'etcd', by: 'kube-apiserver --etcd-cafile (etcdctl --cacert)'},
  },
  'etcd-peer': {
    id: 'etcd-peer', label: 'etcd peer', server: 'etcd',
    clientCheck: {slot: 'etcd', reader: {component: 'etcd', flag: '--peer-trusted-ca-file', part: 'cert'}},
    serverCheck: {slot: 'etcd', by: 'etcd --peer-trusted-ca-file'},
  },
  'aggregated-api': {
    id: 'aggregated-api', label: 'front proxy', server: 'aggregated-api',
    // kube-apiserver publishes this file to extension apiservers (extension-apiserver-authentication).
    clientCheck: {slot: 'front-proxy', reader: {component: 'kube-apiserver', flag: '--requestheader-client-ca-file', part: 'cert'}},
    serverCheck: null,
  },
};

/** A certificate reader's flag → the service it is presented to, and as which end. */
export const PRESENTED_BY: Record<string, {service: ServiceId; side: 'server' | 'client' | 'peer'} | {token: true}> = {
  'kube-apiserver --tls-cert-file': {service: 'kube-apiserver', side: 'server'},
  'kube-apiserver --kubelet-client-certificate': {service: 'kubelet', side: 'client'},
  'kube-apiserver --etcd-certfile': {service: 'etcd', side: 'client'},
  'kube-apiserver --proxy-client-cert-file': {service: 'aggregated-api', side: 'client'},
  'etcd --cert-file': {service: 'etcd', side: 'server'},
  'etcd --peer-cert-file': {service: 'etcd-peer', side: 'peer'},
  'kubelet tlsCertFile': {service: 'kubelet', side: 'server'},
  // The Hard Way's service-accounts certificate: not presented; tokens are checked with the key inside.
  'kube-apiserver --service-account-key-file': {token: true},
};

/** Certificates no component reads and no kubeconfig holds: a person (or a probe) presents them. */
export const HELD_BY_PEOPLE: Partial<Record<string, {person: string; service: ServiceId}>> = {
  'etcd-healthcheck-client': {person: 'etcdctl / health probe', service: 'etcd'},
};

/** People behind the kubeconfigs no component reads. */
export const KUBECONFIG_PEOPLE: Partial<Record<string, string>> = {
  admin: 'admin (kubectl)',
  'super-admin': 'super-admin (kubectl, break-glass)',
};

/** Pods reach the apiserver through the kubernetes Service and present a service-account token. */
export const PODS = 'pods (service-account tokens)';
export const AGGREGATED_APIS = 'extension apiservers (metrics-server…)';
